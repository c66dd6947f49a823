import { expect } from "chai";
import {
  applyPaceRoom,
  chooseFunding,
  estimateProfit,
  mayBeLiquidatable,
  minSeizedFor,
  planSteps,
  pokeDue,
  positionKey,
  selectForEvaluation,
  sortByUrgency,
  type CachedEvaluation,
  type MarketInputs,
  type PositionSnapshot,
  type StepView,
} from "../../../src/keeper/strategy";
import { MAX_UINT256, WAD } from "../../../src/sdk/math";
import { StepStatus, Zone } from "../../../src/sdk/types";

const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
/** WETH(18)/USDC(6) at $2,000: 2000e6 debt units per 1e18 collateral units, WAD-scaled. */
const PRICE_2000 = 2_000n * 10n ** 6n;
const MARKET = "0x00000000000000000000000000000000000000aa";
const TOKEN = "0x00000000000000000000000000000000000000bb";
const FLASH = "0x00000000000000000000000000000000000000cc";

function step(overrides: Partial<StepView> = {}): StepView {
  return {
    status: StepStatus.Ready,
    zone: Zone.Soft,
    repaid: 1_000n * E6,
    // 1,000 USDC repaid at a 2 % incentive: 1,020 USDC of WETH at $2,000 = 0.51 WETH.
    seized: (51n * E18) / 100n,
    incentiveWad: (2n * WAD) / 100n,
    tip: 1n * E6,
    badDebt: 0n,
    ltvBeforeWad: (82n * WAD) / 100n,
    ltvAfterWad: (72n * WAD) / 100n,
    ...overrides,
  };
}

function position(account: string, s: Partial<StepView> = {}): PositionSnapshot {
  const st = step(s);
  return {
    account,
    collateral: 10n * E18,
    debt: 16_400n * E6,
    ltvWad: st.ltvBeforeWad,
    zone: st.zone,
    softLiquidationPriceWad: 0n,
    hardLiquidationPriceWad: 0n,
    nextSoftStepAt: 0n,
    step: st,
  };
}

function market(positions: PositionSnapshot[], overrides: Partial<MarketInputs> = {}): MarketInputs {
  return {
    market: MARKET,
    debtToken: TOKEN,
    spotPriceWad: PRICE_2000,
    gasTokenPriceWad: PRICE_2000,
    paceRoom: MAX_UINT256,
    minProfit: 0n,
    positions,
    ...overrides,
  };
}

const CONFIG = { gasPerStep: 200_000n, actOnHardZone: false, actOnBadDebt: false };
const RICH = new Map([[TOKEN, 1_000_000n * E6]]);
const never = () => undefined;

describe("keeper strategy", () => {
  describe("estimateProfit", () => {
    it("values the collateral at the oracle price and subtracts the repayment net of tip and the gas", () => {
      // 200k gas at 10 gwei = 0.002 ETH = 4 USDC at $2,000.
      const p = estimateProfit(step(), PRICE_2000, 200_000n, 10n ** 10n, PRICE_2000);
      expect(p).to.deep.equal({
        collateralValue: 1_020n * E6,
        paid: 999n * E6,
        gasCost: 4n * E6,
        net: 17n * E6,
      });
    });

    it("rounds the collateral value down and the gas cost up", () => {
      const p = estimateProfit({ repaid: 0n, seized: 1n, tip: 0n }, PRICE_2000, 1n, 1n, 1n);
      expect(p.collateralValue).to.equal(0n); // 1 wei of WETH is worth 2e-9 USDC units
      expect(p.gasCost).to.equal(1n); // 1e-18 units, rounded up
      expect(p.net).to.equal(-1n);
    });
  });

  describe("chooseFunding", () => {
    it("funds directly with a little headroom over the repay when the balance covers repaid - tip", () => {
      const f = chooseFunding(step(), 1_000_000n * E6, FLASH)!;
      expect(f.mode).to.equal("direct");
      expect(f.maxRepay).to.equal(1_001n * E6); // +0.1 %
      expect(f.expected).to.deep.include({ repaid: 1_000n * E6, tip: 1n * E6 });
    });

    it("caps the direct maxRepay at the balance when the balance is just enough", () => {
      const f = chooseFunding(step(), 999n * E6, undefined)!;
      expect(f).to.deep.include({ mode: "direct", maxRepay: 999n * E6 });
    });

    it("uses the flash keeper with an unlimited maxRepay when the balance is short", () => {
      const f = chooseFunding(step(), 10n * E6, FLASH)!;
      expect(f).to.deep.include({ mode: "flash", maxRepay: MAX_UINT256 });
    });

    it("falls back to a smaller direct step without tip when there is no flash keeper", () => {
      const f = chooseFunding(step(), 500n * E6, undefined)!;
      expect(f.mode).to.equal("direct");
      expect(f.maxRepay).to.equal(500n * E6);
      expect(f.expected).to.deep.equal({ repaid: 500n * E6, seized: (51n * E18) / 200n, tip: 0n });
    });

    it("returns undefined with no tokens and no flash keeper", () => {
      expect(chooseFunding(step(), 0n, undefined)).to.equal(undefined);
    });
  });

  describe("minSeizedFor", () => {
    it("takes the given share of the expected collateral, rounded down", () => {
      expect(minSeizedFor(1_001n, 5_000)).to.equal(500n);
      expect(minSeizedFor(1_000n, 0)).to.equal(0n);
    });
  });

  describe("applyPaceRoom", () => {
    it("charges a soft step's collateral value (rounded up) against the room", () => {
      // 0.51 WETH at $2,000 = 1,020 USDC.
      expect(applyPaceRoom(step(), 5_000n * E6, PRICE_2000)).to.deep.equal({
        step: step(),
        room: 3_980n * E6,
      });
    });

    it("caps a soft step at room / (1 + inc), without tip, and leaves no room", () => {
      const r = applyPaceRoom(step(), 510n * E6, PRICE_2000)!;
      expect(r.room).to.equal(0n);
      expect(r.step.repaid).to.equal(500n * E6); // 510 / 1.02
      expect(r.step.seized).to.equal((255n * E18) / 1_000n); // 500 × 1.02 / 2,000
      expect(r.step.tip).to.equal(0n);
    });

    it("returns undefined for a soft step when no room is left, and leaves hard steps alone", () => {
      expect(applyPaceRoom(step(), 0n, PRICE_2000)).to.equal(undefined);
      const hard = step({ zone: Zone.Hard });
      expect(applyPaceRoom(hard, 0n, PRICE_2000)).to.deep.equal({ step: hard, room: 0n });
    });
  });

  describe("planSteps", () => {
    it("shares the pace room among the block's soft steps: the last one is capped, the next skipped", () => {
      const positions = [
        position("0x01", { ltvBeforeWad: (85n * WAD) / 100n }),
        position("0x02", { ltvBeforeWad: (84n * WAD) / 100n }),
        position("0x03", { ltvBeforeWad: (83n * WAD) / 100n }),
        position("0x04", { zone: Zone.Hard, ltvBeforeWad: (91n * WAD) / 100n }),
      ];
      // Room for one full step (1,020) and 510 more.
      const { orders, skips } = planSteps(
        [market(positions, { paceRoom: 1_530n * E6 })],
        RICH,
        1n,
        CONFIG,
        never,
      );
      expect(orders.map((o) => [o.account, o.funding.expected.repaid])).to.deep.equal([
        ["0x04", 1_000n * E6],
        ["0x01", 1_000n * E6],
        ["0x02", 500n * E6],
      ]);
      expect(skips.map((k) => [k.account, k.reason])).to.deep.equal([["0x03", "pace"]]);
    });

    it("orders hard-zone steps first, bad debt first among them, then by LTV, highest first", () => {
      const positions = [
        position("0x01", { ltvBeforeWad: (81n * WAD) / 100n }),
        position("0x02", { zone: Zone.Hard, ltvBeforeWad: (92n * WAD) / 100n }),
        position("0x03", { ltvBeforeWad: (88n * WAD) / 100n }),
        position("0x04", { zone: Zone.Hard, ltvBeforeWad: (91n * WAD) / 100n, badDebt: 1n }),
        position("0x05", { status: StepStatus.TooSoon, ltvBeforeWad: (89n * WAD) / 100n }),
      ];
      const { orders } = planSteps([market(positions)], RICH, 1n, CONFIG, never);
      expect(orders.map((o) => o.account)).to.deep.equal(["0x04", "0x02", "0x03", "0x01"]);
    });

    it("skips positions the tracker blocks, with the tracker's reason", () => {
      const blocked = (key: string) => (key === positionKey(MARKET, "0x01") ? "in-flight" : undefined);
      const { orders, skips } = planSteps(
        [market([position("0x01"), position("0x02")])],
        RICH,
        1n,
        CONFIG,
        blocked,
      );
      expect(orders.map((o) => o.account)).to.deep.equal(["0x02"]);
      expect(skips).to.deep.equal([
        {
          key: positionKey(MARKET, "0x01"),
          market: MARKET,
          account: "0x01",
          reason: "blocked",
          detail: "in-flight",
        },
      ]);
    });

    it("skips a step whose net profit is below the market's minimum", () => {
      // Gross 21 USDC; 200k gas at 100 gwei = 0.02 ETH = 40 USDC.
      const { orders, skips } = planSteps(
        [market([position("0x01")])],
        RICH,
        100n * 10n ** 9n,
        CONFIG,
        never,
      );
      expect(orders).to.deep.equal([]);
      expect(skips[0]).to.deep.include({ reason: "unprofitable" });
      expect(skips[0].profit!.net).to.equal(-19n * E6);
    });

    it("sends an unprofitable hard-zone or bad-debt step when told to act anyway, and marks it forced", () => {
      const hard = position("0x01", { zone: Zone.Hard });
      const bad = position("0x02", { badDebt: 5n });
      const expensive = 100n * 10n ** 9n;
      expect(planSteps([market([hard, bad])], RICH, expensive, CONFIG, never).orders).to.deep.equal([]);
      const { orders } = planSteps(
        [market([hard, bad])],
        RICH,
        expensive,
        { ...CONFIG, actOnHardZone: true, actOnBadDebt: true },
        never,
      );
      expect(orders.map((o) => [o.account, o.forced, o.actAnyway])).to.deep.equal([
        ["0x01", true, true],
        ["0x02", true, true],
      ]);
    });

    it("honours a positive minimum profit and a profitable step above it", () => {
      const m = market([position("0x01")], { minProfit: 20n * E6 });
      const [order] = planSteps([m], RICH, 1n, CONFIG, never).orders;
      expect([order.forced, order.actAnyway]).to.deep.equal([false, false]);
      expect(planSteps([{ ...m, minProfit: 22n * E6 }], RICH, 1n, CONFIG, never).orders).to.have.length(0);
    });

    it("does not commit the same tokens to two direct steps: the second goes to the flash keeper", () => {
      const balances = new Map([[TOKEN, 1_500n * E6]]);
      const { orders } = planSteps(
        [market([position("0x01"), position("0x02")], { flashKeeper: FLASH })],
        balances,
        1n,
        CONFIG,
        never,
      );
      expect(orders.map((o) => o.funding.mode)).to.deep.equal(["direct", "flash"]);
    });

    it("skips for lack of funds when the keeper holds no debt tokens and has no flash keeper", () => {
      const { orders, skips } = planSteps([market([position("0x01")])], new Map(), 1n, CONFIG, never);
      expect(orders).to.deep.equal([]);
      expect(skips[0].reason).to.equal("no-funds");
    });
  });

  describe("sortByUrgency", () => {
    it("is stable for equal urgency", () => {
      const a = position("0xa");
      const b = position("0xb");
      expect(sortByUrgency([a, b]).map((p) => p.account)).to.deep.equal(["0xa", "0xb"]);
    });
  });

  describe("mayBeLiquidatable", () => {
    const cached: CachedEvaluation = {
      debt: 15_000n * E6,
      softLiquidationPriceWad: 1_875n * E6, // 15,000 / (10 × 0.8)
      borrowIndexWad: WAD,
      block: 1,
    };

    it("is false above the soft liquidation price and true at or below it (plus margin)", () => {
      expect(mayBeLiquidatable(cached, 1_900n * E6, WAD, 0n)).to.equal(false);
      expect(mayBeLiquidatable(cached, 1_875n * E6, WAD, 0n)).to.equal(true);
      // 50 bps of margin: 1,884.375.
      expect(mayBeLiquidatable(cached, 1_884n * E6, WAD, 50n)).to.equal(true);
      expect(mayBeLiquidatable(cached, 1_885n * E6, WAD, 50n)).to.equal(false);
    });

    it("scales the cached price by the borrow index's growth since the evaluation", () => {
      // Debt +2 %: the soft liquidation price is now 1,912.5.
      expect(mayBeLiquidatable(cached, 1_900n * E6, (102n * WAD) / 100n, 0n)).to.equal(true);
    });

    it("is false without a usable price or without debt, and true for debt without collateral", () => {
      expect(mayBeLiquidatable(cached, 0n, WAD, 0n)).to.equal(false);
      expect(mayBeLiquidatable({ ...cached, debt: 0n }, 1n, WAD, 0n)).to.equal(false);
      expect(mayBeLiquidatable({ ...cached, softLiquidationPriceWad: 0n }, 10n ** 30n, WAD, 0n)).to.equal(
        true,
      );
    });
  });

  describe("selectForEvaluation", () => {
    const accounts = ["a", "b", "c", "d", "e", "f"];
    const far: CachedEvaluation = {
      debt: 1n,
      softLiquidationPriceWad: 1_000n,
      borrowIndexWad: WAD,
      block: 0,
    };
    const near: CachedEvaluation = { ...far, softLiquidationPriceWad: 1_999n };
    const base = {
      accounts,
      dirty: new Set<string>(),
      spotPriceWad: 2_000n,
      borrowIndexWad: WAD,
      marginBps: 50,
      refreshBlocks: 0,
      block: 7,
    };

    it("returns every account in full mode", () => {
      expect(selectForEvaluation({ ...base, cache: new Map(), mode: "full" })).to.deep.equal(accounts);
    });

    it("returns uncached, dirty and near-zone accounts in screened mode", () => {
      const cache = new Map(accounts.slice(0, 5).map((a) => [a, a === "c" ? near : far]));
      const r = selectForEvaluation({ ...base, cache, dirty: new Set(["a"]), mode: "screened" });
      expect(r).to.deep.equal(["a", "c", "f"]);
    });

    it("adds a rotating refresh slice so every account is evaluated once per refreshBlocks blocks", () => {
      const cache = new Map(accounts.map((a) => [a, far]));
      const seen: string[] = [];
      for (let block = 0; block < 3; block++) {
        seen.push(...selectForEvaluation({ ...base, cache, mode: "screened", refreshBlocks: 3, block }));
      }
      expect(seen).to.deep.equal(accounts);
    });
  });

  describe("pokeDue", () => {
    const unconfirmed = [position("0x01", { status: StepStatus.Unconfirmed })];

    it("is due when a position waits for the wick filter and the last poke is old enough", () => {
      expect(pokeDue(unconfirmed, undefined, 1_000n, 120)).to.equal(true);
      expect(pokeDue(unconfirmed, 900n, 1_000n, 120)).to.equal(false);
      expect(pokeDue(unconfirmed, 880n, 1_000n, 120)).to.equal(true);
    });

    it("is never due without unconfirmed positions or when disabled", () => {
      expect(pokeDue([position("0x01")], undefined, 1_000n, 120)).to.equal(false);
      expect(pokeDue(unconfirmed, undefined, 1_000n, 0)).to.equal(false);
    });
  });
});
