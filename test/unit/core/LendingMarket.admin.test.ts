import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  ILendingMarket__factory,
  LendingMarket__factory,
  type KinkedRateModel,
  type LendingMarket,
  type ReenteringCallbackKeeper,
} from "../../../typechain-types";
import {
  deployMarket,
  defaultMarketFixture,
  toStruct,
  paramsTuple,
  type MarketFixture,
  type Params,
} from "../../helpers/fixtures";
import { BPS, WAD, mulDivDown, wadDivDown, wadMulUp } from "../../helpers/math";

// ---------------------------------------------------------------- constants

const WETH = 10n ** 18n;
const USDC = 10n ** 6n;
const YEAR = 365 * 86_400;
const DAYS_30 = 30 * 86_400;
const KINK = 8n * 10n ** 17n;
const SLOPE1 = 40_000_000_000_000_000n / 31_536_000n; // 1_268_391_679 per second
const SLOPE2 = 600_000_000_000_000_000n / 31_536_000n; // 19_025_875_190 per second

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const GUARDIAN_ROLE = ethers.keccak256(ethers.toUtf8Bytes("GUARDIAN_ROLE"));

// One year at 50 % utilisation of 10M USDC: rate 792_744_799 per second (see the borrow tests).
const YEAR_INDEX = 1_024_999_999_981_264_000n;
const YEAR_DEBT = 5_124_999_999_907n;
const YEAR_INTEREST = YEAR_DEBT - 5_000_000n * USDC; // 124_999_999_907
const YEAR_RESERVES = 12_499_999_990n; // 10 %, rounded down

function fixtureRate(u: bigint): bigint {
  if (u <= KINK) return mulDivDown(SLOPE1, u, KINK);
  return SLOPE1 + mulDivDown(SLOPE2, u - KINK, WAD - KINK);
}

// ---------------------------------------------------------------- fixtures

/** The storage slot of the market's cash word (cash, reserves, configuration number, pause flag), found as the one
 * slot whose bits 232-247 hold the configuration number 1 and whose low 120 bits hold the booked cash. */
async function configWordSlot(f: MarketFixture): Promise<bigint> {
  const market = await f.market.getAddress();
  const [cash] = await f.market.accounting();
  for (let slot = 0n; slot < 64n; slot++) {
    const word = BigInt(await ethers.provider.getStorage(market, slot));
    if (((word >> 232n) & 0xffffn) === 1n && (word & (2n ** 120n - 1n)) === cash) return slot;
  }
  throw new Error("cash word not found");
}

/** Writes `nonce` as the market's current configuration number (test-only shortcut past many updates). */
async function setConfigNonce(f: MarketFixture, slot: bigint, nonce: number) {
  const market = await f.market.getAddress();
  const word = BigInt(await ethers.provider.getStorage(market, slot));
  const next = (word & ~(0xffffn << 232n)) | (BigInt(nonce) << 232n);
  await ethers.provider.send("hardhat_setStorageAt", [
    market,
    ethers.toBeHex(slot),
    ethers.toBeHex(next, 32),
  ]);
}

/** 10M USDC lent, 5M borrowed by alice at t0 (50 % utilisation); a flat 0 % model and a 10 %-a-year model ready. */
async function halfUtilisedFixture() {
  const f = await deployMarket();
  await f.market.connect(f.alice).supplyCollateral(f.alice.address, 4_000n * WETH);
  await f.market.connect(f.alice).borrow(5_000_000n * USDC, f.alice.address);
  const t0 = await time.latest();
  const flat = (await ethers.deployContract("KinkedRateModel", [
    0n,
    0n,
    0n,
    KINK,
  ])) as unknown as KinkedRateModel;
  const tenPercent = (await ethers.deployContract("KinkedRateModel", [
    ethers.parseEther("0.1"),
    0n,
    0n,
    KINK,
  ])) as unknown as KinkedRateModel;
  return { ...f, t0, flat, tenPercent };
}

/** 1000 USDC lent and all of it borrowed against 1 WETH at t0: 100 % utilisation, no cash. */
async function fullyUtilisedFixture() {
  const f = await deployMarket({ lenderDeposit: 1_000n });
  await f.market.connect(f.alice).supplyCollateral(f.alice.address, WETH);
  await f.market.connect(f.alice).borrow(1_000n * USDC, f.alice.address);
  const t0 = await time.latest();
  const flat = (await ethers.deployContract("KinkedRateModel", [
    0n,
    0n,
    0n,
    KINK,
  ])) as unknown as KinkedRateModel;
  return { ...f, t0, flat };
}

/** The factory's config for a market like the fixture's, with overrides. */
function marketConfig(f: MarketFixture, overrides: Record<string, unknown> = {}) {
  return {
    collateralToken: f.weth,
    debtToken: f.usdc,
    oracle: f.oracle,
    rateModel: f.rateModel,
    params: toStruct(f.params),
    admin: f.admin.address,
    guardian: f.guardian.address,
    name: "Second",
    symbol: "gTWO",
    ...overrides,
  };
}

// ================================================================ tests

describe("LendingMarket: administration", () => {
  // ------------------------------------------------------------ roles
  describe("roles", () => {
    it("gives DEFAULT_ADMIN_ROLE to the admin and GUARDIAN_ROLE to the guardian, nothing to the deployer", async () => {
      const { market, admin, guardian, deployer } = await loadFixture(defaultMarketFixture);
      expect(await market.GUARDIAN_ROLE()).to.equal(GUARDIAN_ROLE);
      expect(await market.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await market.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
      expect(await market.hasRole(GUARDIAN_ROLE, admin.address)).to.equal(false);
      expect(await market.hasRole(DEFAULT_ADMIN_ROLE, guardian.address)).to.equal(false);
      expect(await market.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
      expect(await market.getRoleAdmin(GUARDIAN_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
    });

    it("setParams reverts AccessControlUnauthorizedAccount(account, DEFAULT_ADMIN_ROLE) for anyone but the admin", async () => {
      const { market, params, guardian, other } = await loadFixture(defaultMarketFixture);
      for (const s of [guardian, other]) {
        await expect(market.connect(s).setParams(toStruct(params)))
          .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, DEFAULT_ADMIN_ROLE);
      }
    });

    it("setRateModel reverts AccessControlUnauthorizedAccount(account, DEFAULT_ADMIN_ROLE) for anyone but the admin", async () => {
      const { market, rateModel, guardian, other } = await loadFixture(defaultMarketFixture);
      for (const s of [guardian, other]) {
        await expect(market.connect(s).setRateModel(rateModel))
          .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, DEFAULT_ADMIN_ROLE);
      }
    });

    it("withdrawReserves reverts AccessControlUnauthorizedAccount(account, DEFAULT_ADMIN_ROLE) for anyone but the admin", async () => {
      const { market, guardian, other } = await loadFixture(defaultMarketFixture);
      for (const s of [guardian, other]) {
        await expect(market.connect(s).withdrawReserves(s.address, 1n))
          .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, DEFAULT_ADMIN_ROLE);
      }
    });

    it("pause and unpause revert AccessControlUnauthorizedAccount(account, GUARDIAN_ROLE) for anyone but the guardian", async () => {
      const { market, admin, other, guardian } = await loadFixture(defaultMarketFixture);
      for (const s of [admin, other]) {
        await expect(market.connect(s).pause())
          .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, GUARDIAN_ROLE);
      }
      await market.connect(guardian).pause();
      for (const s of [admin, other]) {
        await expect(market.connect(s).unpause())
          .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, GUARDIAN_ROLE);
      }
    });

    it("the guardian pauses (Paused) and unpauses (Unpaused)", async () => {
      const { market, guardian } = await loadFixture(defaultMarketFixture);
      expect(await market.paused()).to.equal(false);
      await expect(market.connect(guardian).pause()).to.emit(market, "Paused").withArgs(guardian.address);
      expect(await market.paused()).to.equal(true);
      await expect(market.connect(guardian).unpause()).to.emit(market, "Unpaused").withArgs(guardian.address);
      expect(await market.paused()).to.equal(false);
    });

    it("pausing twice reverts EnforcedPause and unpausing an active market reverts ExpectedPause", async () => {
      const { market, guardian } = await loadFixture(defaultMarketFixture);
      await expect(market.connect(guardian).unpause()).to.be.revertedWithCustomError(market, "ExpectedPause");
      await market.connect(guardian).pause();
      await expect(market.connect(guardian).pause()).to.be.revertedWithCustomError(market, "EnforcedPause");
    });

    it("the admin can appoint another guardian, who can then pause", async () => {
      const { market, admin, other } = await loadFixture(defaultMarketFixture);
      await expect(market.connect(admin).grantRole(GUARDIAN_ROLE, other.address))
        .to.emit(market, "RoleGranted")
        .withArgs(GUARDIAN_ROLE, other.address, admin.address);
      await expect(market.connect(other).pause()).to.emit(market, "Paused").withArgs(other.address);
    });
  });

  // ------------------------------------------------------------ setParams
  describe("setParams", () => {
    it("replaces every parameter and emits ParamsUpdated(params)", async () => {
      const { market, admin, params } = await loadFixture(defaultMarketFixture);
      const next: Params = {
        ...params,
        maxLtvBps: 7000,
        targetLtvBps: 0,
        reserveFactorBps: 2000,
        stepIntervalSeconds: 0,
        confirmDelaySeconds: 0,
        minDebt: 50n * USDC,
        keeperTip: 500_000n, // = minDebt × incMin = 50 USDC × 1 %
      };
      await expect(market.connect(admin).setParams(toStruct(next)))
        .to.emit(market, "ParamsUpdated")
        .withArgs(paramsTuple(next));
      expect(await market.params()).to.deep.equal(paramsTuple(next));
    });

    it("accepts the instant-liquidation policy softLtv = hardLtv", async () => {
      const { market, admin, params } = await loadFixture(defaultMarketFixture);
      const next: Params = { ...params, softLtvBps: 9000, hardLtvBps: 9000 };
      await expect(market.connect(admin).setParams(toStruct(next)))
        .to.emit(market, "ParamsUpdated")
        .withArgs(paramsTuple(next));
    });

    it("reverts MarketInvalidParams(1) for maxLtv = 0", async () => {
      const { market, admin, params } = await loadFixture(defaultMarketFixture);
      await expect(market.connect(admin).setParams(toStruct({ ...params, maxLtvBps: 0 })))
        .to.be.revertedWithCustomError(market, "MarketInvalidParams")
        .withArgs(1n);
    });

    it("reverts MarketInvalidParams(2) for softLtv above hardLtv", async () => {
      const { market, admin, params } = await loadFixture(defaultMarketFixture);
      await expect(market.connect(admin).setParams(toStruct({ ...params, softLtvBps: 9001 })))
        .to.be.revertedWithCustomError(market, "MarketInvalidParams")
        .withArgs(2n);
    });

    it("reverts MarketInvalidParams(3) when hardLtv × (1 + incMax) reaches 1", async () => {
      const { market, admin, params } = await loadFixture(defaultMarketFixture);
      // 9524 × 1.05 = 10_000.2 bps ≥ 100 %.
      await expect(market.connect(admin).setParams(toStruct({ ...params, hardLtvBps: 9524 })))
        .to.be.revertedWithCustomError(market, "MarketInvalidParams")
        .withArgs(3n);
    });

    it("reverts MarketInvalidParams(7) for a reserve factor above 50 %", async () => {
      const { market, admin, params } = await loadFixture(defaultMarketFixture);
      await expect(market.connect(admin).setParams(toStruct({ ...params, reserveFactorBps: 5001 })))
        .to.be.revertedWithCustomError(market, "MarketInvalidParams")
        .withArgs(7n);
    });

    it("reverts MarketInvalidParams(15) for a keeper tip above minDebt × incMin", async () => {
      const { market, admin, params } = await loadFixture(defaultMarketFixture);
      // 100 USDC × 1 % = 1 USDC.
      await expect(market.connect(admin).setParams(toStruct({ ...params, keeperTip: USDC + 1n })))
        .to.be.revertedWithCustomError(market, "MarketInvalidParams")
        .withArgs(15n);
    });

    it("accrues interest under the old reserve factor before switching to the new one", async () => {
      const { market, admin, params, t0 } = await loadFixture(halfUtilisedFixture);
      await time.setNextBlockTimestamp(t0 + YEAR);
      const next = { ...params, reserveFactorBps: 5000 };
      const tx = market.connect(admin).setParams(toStruct(next));
      // The year's interest is shared at the old 10 %.
      await expect(tx).to.emit(market, "InterestAccrued").withArgs(YEAR_INDEX, YEAR_INTEREST, YEAR_RESERVES);
      await expect(tx).to.emit(market, "ParamsUpdated").withArgs(paramsTuple(next));
      expect(await market.accounting()).to.deep.equal([
        5_000_000n * USDC,
        YEAR_DEBT,
        YEAR_RESERVES,
        YEAR_INDEX,
      ]);

      // The next 30 days are shared at 50 %.
      await time.increaseTo(t0 + YEAR + DAYS_30);
      const rate = fixtureRate(wadDivDown(YEAR_DEBT, 5_000_000n * USDC + YEAR_DEBT));
      const index = wadMulUp(YEAR_INDEX, WAD + rate * BigInt(DAYS_30));
      const debt = wadMulUp(5_000_000n * USDC, index);
      const reserves = YEAR_RESERVES + ((debt - YEAR_DEBT) * 5_000n) / BPS;
      expect(await market.accounting()).to.deep.equal([5_000_000n * USDC, debt, reserves, index]);
    });
  });

  // ------------------------------------------------------------ setRateModel
  describe("setRateModel", () => {
    it("accrues up to now at the old rate, then emits RateModelUpdated(model) and charges the new rate", async () => {
      const { market, admin, tenPercent, t0 } = await loadFixture(halfUtilisedFixture);
      await time.setNextBlockTimestamp(t0 + YEAR);
      const tx = market.connect(admin).setRateModel(tenPercent);
      await expect(tx).to.emit(market, "InterestAccrued").withArgs(YEAR_INDEX, YEAR_INTEREST, YEAR_RESERVES);
      await expect(tx)
        .to.emit(market, "RateModelUpdated")
        .withArgs(await tenPercent.getAddress());
      expect(await market.rateModel()).to.equal(await tenPercent.getAddress());

      // 10 % a year whatever the utilisation: floor(0.1e18 / 31_536_000) = 3_170_979_198 per second.
      await time.increaseTo(t0 + YEAR + DAYS_30);
      const index = wadMulUp(YEAR_INDEX, WAD + 3_170_979_198n * BigInt(DAYS_30));
      const debt = wadMulUp(5_000_000n * USDC, index);
      const reserves = YEAR_RESERVES + ((debt - YEAR_DEBT) * 1_000n) / BPS;
      expect(await market.accounting()).to.deep.equal([5_000_000n * USDC, debt, reserves, index]);
    });

    /** A model quoting 10 % a year, declaring (or not) the given curve. */
    async function declaring(declares: boolean, curve: bigint[] = [0n, 0n, 0n, 0n]) {
      return ethers.deployContract("DeclaringRateModel", [3_170_979_198n, declares, ...curve]);
    }
    /** Index after 30 days from 1 at `rate` per second. */
    const indexAfter30Days = (rate: bigint) => wadMulUp(WAD, WAD + rate * BigInt(DAYS_30));
    /** A market on `model` where alice borrows 5M; the index 30 days later. */
    async function indexUnder(model: { getAddress(): Promise<string> }) {
      const f = await deployMarket();
      await f.market.connect(f.admin).setRateModel(model);
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, 4_000n * WETH);
      await f.market.connect(f.alice).borrow(5_000_000n * USDC, f.alice.address);
      await time.increase(DAYS_30);
      return (await f.market.accounting())[3];
    }

    it("calls a model that declares no curve, and one whose declared curve is out of bounds", async () => {
      const maxRate = 10n ** 19n / 31_536_000n; // 1,000 % a year, the bound
      for (const curve of [
        null,
        [0n, 0n, 0n, 0n], // kink 0
        [0n, 0n, 0n, WAD + 1n], // kink above 100 %
        [maxRate + 1n, 0n, 0n, KINK],
        [0n, maxRate + 1n, 0n, KINK],
        [0n, 0n, maxRate + 1n, KINK],
      ]) {
        const model = await declaring(curve !== null, curve ?? undefined);
        // 10 % a year, the model's own quote.
        expect(await indexUnder(model)).to.equal(indexAfter30Days(3_170_979_198n));
      }
    });

    it("computes the rate from a declared curve in bounds, without calling the model", async () => {
      // The model quotes 10 %, but declares 20 % flat (base 20 %, no slopes): the declaration is what counts.
      const base = (2n * 10n ** 17n) / 31_536_000n;
      expect(await indexUnder(await declaring(true, [base, 0n, 0n, WAD]))).to.equal(indexAfter30Days(base));
    });

    it("reverts MarketZeroAddress for the zero model", async () => {
      const { market, admin } = await loadFixture(defaultMarketFixture);
      await expect(market.connect(admin).setRateModel(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAddress",
      );
    });
  });

  // ------------------------------------------------------------ withdrawReserves
  describe("withdrawReserves", () => {
    /** A year of interest booked, then the rate set to 0 so the reserves stay at 12_499_999_990. */
    async function reservesBooked() {
      const f = await loadFixture(halfUtilisedFixture);
      await time.setNextBlockTimestamp(f.t0 + YEAR);
      await f.market.connect(f.admin).setRateModel(f.flat);
      return f;
    }

    it("sends reserves to the recipient, lowers reserves and cash, and emits ReservesWithdrawn(to, amount)", async () => {
      const { market, usdc, admin, other } = await reservesBooked();
      const tx = market.connect(admin).withdrawReserves(other.address, YEAR_RESERVES);
      await expect(tx).to.emit(market, "ReservesWithdrawn").withArgs(other.address, YEAR_RESERVES);
      await expect(tx).to.changeTokenBalances(usdc, [market, other], [-YEAR_RESERVES, YEAR_RESERVES]);
      expect(await market.accounting()).to.deep.equal([
        5_000_000n * USDC - YEAR_RESERVES,
        YEAR_DEBT,
        0n,
        YEAR_INDEX,
      ]);
    });

    it("leaves the lenders' totalAssets unchanged", async () => {
      const { market, admin, other } = await reservesBooked();
      const lenders = 5_000_000n * USDC + YEAR_DEBT - YEAR_RESERVES; // cash + debt - reserves
      expect(await market.totalAssets()).to.equal(lenders);
      await market.connect(admin).withdrawReserves(other.address, 1_000n * USDC);
      expect(await market.totalAssets()).to.equal(lenders);
    });

    it("reverts MarketInsufficientReserves(reserves, amount) above the reserves", async () => {
      const { market, admin, other } = await reservesBooked();
      await expect(market.connect(admin).withdrawReserves(other.address, YEAR_RESERVES + 1n))
        .to.be.revertedWithCustomError(market, "MarketInsufficientReserves")
        .withArgs(YEAR_RESERVES, YEAR_RESERVES + 1n);
    });

    it("reverts MarketInsufficientCash(cash, amount) when the reserves are lent out", async () => {
      const { market, admin, alice, other, flat, t0 } = await loadFixture(fullyUtilisedFixture);
      // u = 100 %: rate = slope1 + slope2 = 20_294_266_869 per second; after a year the index is
      // 1.639999999980784, debt 1000 × index = 1_639_999_999.98 → 1_640_000_000, interest 640 USDC, reserves 64.
      await time.setNextBlockTimestamp(t0 + YEAR);
      await market.connect(admin).setRateModel(flat);
      expect(await market.accounting()).to.deep.equal([
        0n,
        1_640n * USDC,
        64n * USDC,
        1_639_999_999_980_784_000n,
      ]);
      await expect(market.connect(admin).withdrawReserves(other.address, 1n))
        .to.be.revertedWithCustomError(market, "MarketInsufficientCash")
        .withArgs(0n, 1n);
      // A repay brings cash back; reserves then come out up to it.
      await market.connect(alice).repay(alice.address, 40n * USDC);
      await expect(market.connect(admin).withdrawReserves(other.address, 40n * USDC + 1n))
        .to.be.revertedWithCustomError(market, "MarketInsufficientCash")
        .withArgs(40n * USDC, 40n * USDC + 1n);
      await expect(market.connect(admin).withdrawReserves(other.address, 40n * USDC))
        .to.emit(market, "ReservesWithdrawn")
        .withArgs(other.address, 40n * USDC);
    });

    it("reverts ReentrancyGuardReentrantCall when called from inside a step's callback, even by an admin", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const keeper = (await ethers.deployContract("ReenteringCallbackKeeper", [
        f.market,
      ])) as unknown as ReenteringCallbackKeeper;
      const k = await keeper.getAddress();
      await f.market.connect(f.admin).grantRole(DEFAULT_ADMIN_ROLE, k);
      await f.setAnswer(1_350n * 10n ** 8n); // alice: 5M+ against 4000 × 1350 = 5.4M, LTV ≥ 0.926 (hard)
      const call = f.market.interface.encodeFunctionData("withdrawReserves", [k, 1n]);
      await expect(keeper.stepAndReenter(f.alice.address, call)).to.be.revertedWithCustomError(
        f.market,
        "ReentrancyGuardReentrantCall",
      );
    });

    it("reverts MarketZeroAmount for zero and MarketZeroAddress for the zero recipient", async () => {
      const { market, admin, other } = await reservesBooked();
      await expect(market.connect(admin).withdrawReserves(other.address, 0n)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
      await expect(
        market.connect(admin).withdrawReserves(ethers.ZeroAddress, 1n),
      ).to.be.revertedWithCustomError(market, "MarketZeroAddress");
    });
  });

  // ------------------------------------------------------------ constructor (through the factory)
  describe("constructor", () => {
    it("sets tokens, oracle, rate model, parameters and empty books, and emits ParamsUpdated", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const code = new LendingMarket__factory(f.deployer).bytecode;
      const address = await f.factory.createMarket.staticCall(code, marketConfig(f));
      const market = LendingMarket__factory.connect(address, f.deployer) as LendingMarket;
      await expect(f.factory.createMarket(code, marketConfig(f)))
        .to.emit(market, "ParamsUpdated")
        .withArgs(paramsTuple(f.params));
      expect(await market.collateralToken()).to.equal(await f.weth.getAddress());
      expect(await market.asset()).to.equal(await f.usdc.getAddress());
      expect(await market.oracle()).to.equal(await f.oracle.getAddress());
      expect(await market.rateModel()).to.equal(await f.rateModel.getAddress());
      expect(await market.params()).to.deep.equal(paramsTuple(f.params));
      expect(await market.accounting()).to.deep.equal([0n, 0n, 0n, WAD]);
      expect(await market.totalAssets()).to.equal(0n);
      expect(await market.borrowersLength()).to.equal(0n);
      expect(await market.name()).to.equal("Second");
      expect(await market.symbol()).to.equal("gTWO");
    });

    it("without a guardian grants GUARDIAN_ROLE to nobody, so nobody can pause", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const code = new LendingMarket__factory(f.deployer).bytecode;
      const config = marketConfig(f, { guardian: ethers.ZeroAddress });
      const address = await f.factory.createMarket.staticCall(code, config);
      await f.factory.createMarket(code, config);
      const market = LendingMarket__factory.connect(address, f.deployer) as LendingMarket;
      expect(await market.hasRole(GUARDIAN_ROLE, ethers.ZeroAddress)).to.equal(false);
      expect(await market.hasRole(GUARDIAN_ROLE, f.guardian.address)).to.equal(false);
      await expect(market.connect(f.guardian).pause())
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(f.guardian.address, GUARDIAN_ROLE);
      expect(await market.hasRole(DEFAULT_ADMIN_ROLE, f.admin.address)).to.equal(true);
    });

    for (const field of ["collateralToken", "debtToken", "oracle", "rateModel", "admin"] as const) {
      it(`reverts MarketZeroAddress (bubbled by the factory) for a zero ${field}`, async () => {
        const f = await loadFixture(defaultMarketFixture);
        const code = new LendingMarket__factory(f.deployer).bytecode;
        await expect(
          f.factory.createMarket(code, marketConfig(f, { [field]: ethers.ZeroAddress })),
        ).to.be.revertedWithCustomError(f.market, "MarketZeroAddress");
      });
    }

    it("reverts MarketSameToken (bubbled by the factory) when collateral and debt are one token", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const code = new LendingMarket__factory(f.deployer).bytecode;
      await expect(
        f.factory.createMarket(code, marketConfig(f, { collateralToken: f.usdc })),
      ).to.be.revertedWithCustomError(f.market, "MarketSameToken");
    });

    it("reverts MarketInvalidParams(code) (bubbled by the factory) for out-of-bound parameters", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const code = new LendingMarket__factory(f.deployer).bytecode;
      await expect(
        f.factory.createMarket(
          code,
          marketConfig(f, { params: toStruct({ ...f.params, minDebt: 0n, keeperTip: 0n }) }),
        ),
      )
        .to.be.revertedWithCustomError(f.market, "MarketInvalidParams")
        .withArgs(14n);
    });
  });

  // ------------------------------------------------------------ configuration
  describe("configuration (parameters and rate model as a data contract's code)", () => {
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const PARAMS_TYPE =
      "tuple(uint16,uint16,uint16,uint16,uint16,uint16,uint16,uint16,uint16,uint16,uint16,uint16,uint32,uint32,uint32,uint32,uint96,uint96,uint96)";
    /** A configuration's expected code: a STOP byte, then abi.encode(params, rateModel, curve). */
    const configCode = (params: Params, model: string, curve: bigint[]) =>
      ethers.concat([
        "0x00",
        coder.encode([PARAMS_TYPE, "address", "uint256[4]"], [paramsTuple(params), model, curve]),
      ]);
    /** The fixture's KinkedRateModel's curve: 0 base, 4 % and 60 % a year per second, kink 80 %. */
    const FIXTURE_CURVE = [0n, SLOPE1, SLOPE2, KINK];

    it("the constructor deploys configuration 1 at the market's CREATE address of nonce 1", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const market = await f.market.getAddress();
      const at = ethers.getCreateAddress({ from: market, nonce: 1 });
      expect(await f.market.config()).to.equal(at);
      expect(await ethers.provider.getCode(at)).to.equal(
        configCode(f.params, await f.rateModel.getAddress(), FIXTURE_CURVE),
      );
    });

    it("each update deploys the next configuration, leaves the old ones as they were, and is read at once", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const market = await f.market.getAddress();
      const model = await f.rateModel.getAddress();
      const first = await f.market.config();
      const changed = { ...f.params, minDebt: 200n * USDC, keeperTip: USDC };
      await f.market.connect(f.admin).setParams(toStruct(changed));
      const second = ethers.getCreateAddress({ from: market, nonce: 2 });
      expect(await f.market.config()).to.equal(second);
      expect(await ethers.provider.getCode(second)).to.equal(configCode(changed, model, FIXTURE_CURVE));
      expect(await ethers.provider.getCode(first)).to.equal(configCode(f.params, model, FIXTURE_CURVE));
      expect(await f.market.params()).to.deep.equal(paramsTuple(changed));
      await f.market.connect(f.admin).setRateModel(f.flat);
      const third = ethers.getCreateAddress({ from: market, nonce: 3 });
      expect(await f.market.config()).to.equal(third);
      // The flat model's curve: every rate 0, kink 80 %.
      expect(await ethers.provider.getCode(third)).to.equal(
        configCode(changed, await f.flat.getAddress(), [0n, 0n, 0n, KINK]),
      );
      expect(await f.market.rateModel()).to.equal(await f.flat.getAddress());
      expect(await f.market.params()).to.deep.equal(paramsTuple(changed));
    });

    it("finds configurations past nonces 127 and 255 (RLP encodes the nonce in one, two and three bytes)", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const market = await f.market.getAddress();
      const slot = await configWordSlot(f);
      for (const nonce of [127, 128, 255, 256, 1_000]) {
        // The market's account nonce and its stored configuration number move together (only its CREATEs move
        // either): set both, as if nonce - 1 configurations had been deployed.
        await ethers.provider.send("hardhat_setNonce", [market, ethers.toQuantity(nonce)]);
        await setConfigNonce(f, slot, nonce - 1);
        const params = { ...f.params, minDebt: BigInt(100 + nonce) * USDC };
        await f.market.connect(f.admin).setParams(toStruct(params));
        const at = ethers.getCreateAddress({ from: market, nonce });
        expect(await f.market.config()).to.equal(at);
        expect(await f.market.params()).to.deep.equal(paramsTuple(params));
      }
    });

    it("refuses an update past the 65,535th configuration: MarketConfigUpdatesExhausted(65535)", async () => {
      const f = await loadFixture(defaultMarketFixture);
      await setConfigNonce(f, await configWordSlot(f), 65_535);
      await expect(f.market.connect(f.admin).setParams(toStruct(f.params)))
        .to.be.revertedWithCustomError(f.market, "MarketConfigUpdatesExhausted")
        .withArgs(65_535n);
    });
  });

  // ------------------------------------------------------------ bounds of the cash word
  describe("bounds of the packed words: cash, borrowers, reserves", () => {
    it("refuses a deposit that would take cash past 2^120 - 1 (SafeCast)", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const [cash] = await f.market.accounting();
      const room = 2n ** 120n - 1n - cash;
      await f.usdc.mint(f.lender.address, room + 1n);
      await expect(f.market.connect(f.lender).deposit(room + 1n, f.lender.address))
        .to.be.revertedWithCustomError(f.market, "SafeCastOverflowedUintDowncast")
        .withArgs(120n, 2n ** 120n);
      await f.market.connect(f.lender).deposit(room, f.lender.address);
      expect((await f.market.accounting())[0]).to.equal(2n ** 120n - 1n);
    });

    it("refuses to register a borrower past 2^32 - 1 of them (the count shares the sample word)", async () => {
      const f = await loadFixture(defaultMarketFixture);
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, 10n * WETH);
      await f.market.connect(f.alice).borrow(1_000n * USDC, f.alice.address);
      // The sample word follows the cash word and the price word.
      const market = await f.market.getAddress();
      const slot = (await configWordSlot(f)) + 2n;
      const word = BigInt(await ethers.provider.getStorage(market, slot));
      expect(word >> 224n).to.equal(1n); // alice
      const full = (word & (2n ** 224n - 1n)) | ((2n ** 32n - 1n) << 224n);
      await ethers.provider.send("hardhat_setStorageAt", [
        market,
        ethers.toBeHex(slot),
        ethers.toBeHex(full, 32),
      ]);
      expect(await f.market.borrowersLength()).to.equal(2n ** 32n - 1n);
      await f.market.connect(f.bob).supplyCollateral(f.bob.address, 10n * WETH);
      await expect(f.market.connect(f.bob).borrow(1_000n * USDC, f.bob.address))
        .to.be.revertedWithCustomError(f.market, "SafeCastOverflowedUintDowncast")
        .withArgs(32n, 2n ** 32n);
      // A registered borrower still borrows.
      await f.market.connect(f.alice).borrow(1_000n * USDC, f.alice.address);
    });

    it("stores reserves saturating at 2^112 - 1 (the rest stays with lenders) and keeps working", async () => {
      // 6-decimal collateral priced in an 18-decimal debt token; 1,000 % a year, half of it to reserves.
      const f = await deployMarket({
        collateralDecimals: 6,
        debtDecimals: 18,
        lenderDeposit: 0n,
        params: { reserveFactorBps: 5_000 },
      });
      const max = (await ethers.deployContract("KinkedRateModel", [
        ethers.parseEther("10"),
        0n,
        0n,
        KINK,
      ])) as unknown as KinkedRateModel;
      await f.market.connect(f.admin).setRateModel(max);
      await f.usdc.mint(f.lender.address, 10n ** 36n);
      await f.market.connect(f.lender).deposit(10n ** 36n, f.lender.address);
      await f.weth.mint(f.alice.address, 10n ** 33n);
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, 10n ** 33n);
      await f.market.connect(f.alice).borrow(2n * 10n ** 31n, f.alice.address); // below 2^104 normalised
      for (let year = 0; year < 3; year++) {
        await time.increase(YEAR);
        await f.setAnswer(2_000n * 10n ** 8n);
        await f.market.updatePriceState();
      }
      const [cash, debt, reserves] = await f.market.accounting();
      expect(reserves).to.equal(2n ** 112n - 1n);
      expect(debt).to.be.greaterThan(10n ** 34n);
      expect(await f.market.totalAssets()).to.equal(cash + debt - reserves);
      // Another year of interest: reserves stay at the cap, the market still accrues and takes a repay.
      await time.increase(YEAR);
      await f.market.connect(f.alice).repay(f.alice.address, 10n ** 30n);
      expect((await f.market.accounting())[2]).to.equal(2n ** 112n - 1n);
    });
  });

  // ------------------------------------------------------------ the oracle's answer, as the market reads it
  describe("oracle answers the market cannot read", () => {
    for (const shortReturn of [false, true]) {
      it(`refuses a ${shortReturn ? "one-word return" : "status outside OracleStatus"}: MarketOracleBadReturn(oracle)`, async () => {
        const f = await loadFixture(defaultMarketFixture);
        const oracle = await ethers.deployContract("MalformedOracle", [2_000n * USDC, shortReturn]);
        const code = new LendingMarket__factory(f.deployer).bytecode;
        const config = marketConfig(f, { oracle });
        const market = LendingMarket__factory.connect(
          await f.factory.createMarket.staticCall(code, config),
          f.deployer,
        );
        await f.factory.createMarket(code, config);
        await expect(market.updatePriceState())
          .to.be.revertedWithCustomError(market, "MarketOracleBadReturn")
          .withArgs(await oracle.getAddress());
      });
    }
  });

  // ------------------------------------------------------------ ERC-165
  describe("supportsInterface", () => {
    it("supports ILendingMarket, IAccessControl and IERC165, and nothing else", async () => {
      const { market } = await loadFixture(defaultMarketFixture);
      // An interface id is the XOR of its functions' selectors.
      let lendingMarketId = 0n;
      ILendingMarket__factory.createInterface().forEachFunction((fn) => {
        lendingMarketId ^= BigInt(fn.selector);
      });
      const id = ethers.toBeHex(lendingMarketId, 4);
      expect(await market.supportsInterface(id)).to.equal(true);
      expect(await market.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await market.supportsInterface("0x01ffc9a7")).to.equal(true); // IERC165
      expect(await market.supportsInterface("0x36372b07")).to.equal(false); // IERC20
      expect(await market.supportsInterface("0xffffffff")).to.equal(false);
      expect(await market.supportsInterface("0x00000000")).to.equal(false);
    });
  });
});
