import { expect } from "chai";
import fc from "fast-check";
import hre, { deployments, ethers } from "hardhat";
import { MaxUint256 } from "ethers";
import {
  LendingMarket__factory,
  describePosition,
  previewStep,
  readMarket,
  readPosition,
  type PositionView,
  type StepPlan,
} from "../../../src/frontend";
import { getDeployment, deployments as registry } from "../../../src/frontend/deployments";
import { StepStatus, Zone } from "../../../src/sdk/types";
import { MarketLens__factory, MockERC20__factory, MockV3Aggregator__factory } from "../../../typechain-types";
import { buildRecord } from "../../../src/deploy/record";
import { createPublicClient, custom, type Address, type EIP1193RequestFn } from "viem";
import * as viemEntry from "../../../src/frontend/viem";

/** A viem client on the in-process network: the viem entry's readers must read what the ethers ones read. */
const viemClient = () =>
  createPublicClient({
    transport: custom({
      request: hre.network.provider.request.bind(hre.network.provider) as EIP1193RequestFn,
    }),
  });

const USDC = 10n ** 6n;
const E8 = 10n ** 8n;

/** A deployed market with 10M USDC of liquidity and a keeper (account #9) holding and approving 10M USDC. */
const setup = deployments.createFixture(async () => {
  await deployments.fixture();
  const record = await buildRecord(hre);
  const signers = await ethers.getSigners();
  const market = LendingMarket__factory.connect(record.addresses.market, signers[0]);
  const lens = MarketLens__factory.connect(record.addresses.lens, signers[0]);
  const debtToken = MockERC20__factory.connect(record.addresses.debtToken, signers[0]);
  await (await debtToken.mint(signers[0], 10_000_000n * USDC)).wait();
  await (await debtToken.approve(market, MaxUint256)).wait();
  await (await market.deposit(10_000_000n * USDC, signers[0])).wait();
  const keeper = signers[9];
  await (await debtToken.mint(keeper, 10_000_000n * USDC)).wait();
  await (await debtToken.connect(keeper).approve(market, MaxUint256)).wait();
  return { record, signers, market, lens, keeper };
});

/** The contract's StepPreview as a plain object. */
const stepOf = (s: Awaited<ReturnType<typeof previewOnChain>>): StepPlan => ({
  status: Number(s.status),
  zone: Number(s.zone),
  repaid: s.repaid,
  seized: s.seized,
  incentiveWad: s.incentiveWad,
  tip: s.tip,
  badDebt: s.badDebt,
  ltvBeforeWad: s.ltvBeforeWad,
  ltvAfterWad: s.ltvAfterWad,
});
const previewOnChain = (
  market: ReturnType<typeof LendingMarket__factory.connect>,
  a: string,
  m: bigint,
  b: number,
) => market.previewLiquidationStep(a, m, { blockTag: b });

/** Equal in every field; `badDebt` may differ by one unit (the contract reports the market's total-debt drop). */
function expectSameStep(actual: StepPlan, expected: StepPlan, what: string) {
  expect({ ...actual, badDebt: 0n }, what).to.deep.equal({ ...expected, badDebt: 0n });
  const gap = actual.badDebt - expected.badDebt;
  expect(gap >= -1n && gap <= 1n, `${what}: badDebt ${actual.badDebt} vs ${expected.badDebt}`).to.equal(true);
}

const position = fc.record({
  collateralMilli: fc.bigInt({ min: 50n, max: 100_000n }), // 0.05 to 100 WETH
  ltvBps: fc.bigInt({ min: 500n, max: 7_500n }), // opening LTV up to maxLtv
});
const scenario = fc.record({
  positions: fc.array(position, { minLength: 1, maxLength: 4 }),
  /** Price path after opening: each move is (seconds, new price in dollars, or null: no feed update). */
  moves: fc.array(
    fc.record({
      seconds: fc.integer({ min: 1, max: 5_000 }),
      dollars: fc.option(fc.bigInt({ min: 900n, max: 2_400n }), { nil: null }),
      step: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  maxRepayBps: fc.option(fc.bigInt({ min: 1n, max: 12_000n }), { nil: null }),
});

describe("frontend helpers (src/frontend) against the contract views", () => {
  it("describePosition and previewStep equal MarketLens.positionState and previewLiquidationStep on random positions (read with ethers and with viem) [uninstrumented]", async function () {
    this.timeout(600_000);
    let compared = 0;
    const zones = new Set<Zone>();
    const statuses = new Set<StepStatus>();
    const client = viemClient();
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const { record, signers, market, lens, keeper } = await setup();
        const feed = MockV3Aggregator__factory.connect(record.addresses.feed, signers[0]);
        const collateralToken = MockERC20__factory.connect(record.addresses.collateralToken, signers[0]);
        const accounts: string[] = [];
        for (const [i, p] of sc.positions.entries()) {
          const borrower = signers[1 + i];
          const collateral = p.collateralMilli * 10n ** 15n;
          // Debt at the opening LTV and $2,000, at least the 100 USDC minimum.
          let debt = (collateral * 2_000n * USDC * p.ltvBps) / 10_000n / 10n ** 18n;
          if (debt < 100n * USDC) debt = 100n * USDC;
          if (debt * 10_000n > ((collateral * 2_000n * USDC) / 10n ** 18n) * 7_400n) continue; // above maxLtv
          await (await collateralToken.mint(borrower, collateral)).wait();
          await (await collateralToken.connect(borrower).approve(market, collateral)).wait();
          await (await market.connect(borrower).supplyCollateral(borrower, collateral)).wait();
          await (await market.connect(borrower).borrow(debt, borrower)).wait();
          accounts.push(borrower.address);
        }
        for (const move of sc.moves) {
          await hre.network.provider.request({ method: "evm_increaseTime", params: [move.seconds] });
          if (move.dollars !== null) await (await feed.updateAnswer(move.dollars * E8)).wait();
          else await hre.network.provider.request({ method: "evm_mine", params: [] });
          const block = await ethers.provider.getBlockNumber();
          const snapshot = await readMarket(record.addresses.market, ethers.provider, block);
          const viemSnapshot = await viemEntry.readMarket(
            record.addresses.market as Address,
            client,
            BigInt(block),
          );
          expect(
            { ...viemSnapshot, blockNumber: Number(viemSnapshot.blockNumber) },
            "viem readMarket",
          ).to.deep.equal(snapshot);
          for (const account of accounts) {
            const pos = await readPosition(record.addresses.market, account, ethers.provider, block);
            const viemPos = await viemEntry.readPosition(
              record.addresses.market as Address,
              account as Address,
              client,
              BigInt(block),
            );
            expect(viemPos, "viem readPosition").to.deep.equal(pos);
            const st = await lens.positionState(market, account, { blockTag: block });
            const view: PositionView = {
              collateral: st.collateral,
              debt: st.debt,
              ltvWad: st.ltvWad,
              zone: Number(st.zone),
              softLiquidationPriceWad: st.softLiquidationPriceWad,
              hardLiquidationPriceWad: st.hardLiquidationPriceWad,
              nextSoftStepAt: st.nextSoftStepAt,
              step: stepOf(st.step),
            };
            const mine = describePosition(snapshot, pos);
            expectSameStep(view.step, mine.step, `positionState(${account}).step`);
            expect({ ...view, step: undefined }).to.deep.equal({ ...mine, step: undefined });
            const maxRepay = sc.maxRepayBps === null ? MaxUint256 : (pos.debt * sc.maxRepayBps) / 10_000n;
            const preview = stepOf(await previewOnChain(market, account, maxRepay, block));
            expectSameStep(
              preview,
              previewStep(snapshot, pos, maxRepay),
              `previewLiquidationStep(${account})`,
            );
            zones.add(view.zone);
            statuses.add(preview.status);
            compared++;
            // Take the step sometimes, so later comparisons see a stepped position (lastStepAt, pace used).
            if (move.step && preview.status === StepStatus.Ready) {
              await (await market.connect(keeper).liquidationStep(account, maxRepay, 0, "0x")).wait();
            }
          }
        }
      }),
      { numRuns: 40, seed: 7 },
    );
    // The draws reach every zone and the main statuses (otherwise the comparison proves little).
    expect([...zones].sort()).to.include.members([Zone.Healthy, Zone.Soft, Zone.Hard]);
    expect([...statuses]).to.include.members([
      StepStatus.Ready,
      StepStatus.Healthy,
      StepStatus.OracleUnavailable,
    ]);
    expect(compared).to.be.greaterThan(100);
  });

  it("serves deployments by chain id from deployments/index.json and names the chains it knows", () => {
    expect(registry).to.deep.equal({});
    expect(() => getDeployment(11_155_111)).to.throw(
      "no deployment on chain 11155111 (deployed on: none yet)",
    );
  });
});
