import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  MockV3Aggregator__factory,
  type FeeOnTransferToken,
  type KinkedRateModel,
  type ReenteringCallbackKeeper,
  type ReentrantKeeper,
} from "../../../typechain-types";
import {
  deployMarket,
  deploySiblingMarket,
  toStruct,
  FEED_HEARTBEAT,
  type MarketFixture,
} from "../../helpers/fixtures";
import { WAD, BPS, mulDivDown, mulDivUp, wadMulUp } from "../../helpers/math";

// ---------------------------------------------------------------- constants

const WETH = 10n ** 18n;
const USDC = 10n ** 6n;
const YEAR = 365 * 86_400;
const MAX_UINT = ethers.MaxUint256;
/** Virtual shares per virtual asset: 10 ** _decimalsOffset() = 10 ** 6. */
const VIRTUAL_SHARES = 10n ** 6n;
const KINK = 8n * 10n ** 17n;

/** ERC-4626 conversions with OpenZeppelin's virtual offset (totalSupply + 1e6, totalAssets + 1). */
const toSharesDown = (assets: bigint, totalAssets: bigint, supply: bigint) =>
  mulDivDown(assets, supply + VIRTUAL_SHARES, totalAssets + 1n);
const toSharesUp = (assets: bigint, totalAssets: bigint, supply: bigint) =>
  mulDivUp(assets, supply + VIRTUAL_SHARES, totalAssets + 1n);
const toAssetsDown = (shares: bigint, totalAssets: bigint, supply: bigint) =>
  mulDivDown(shares, totalAssets + 1n, supply + VIRTUAL_SHARES);

// After one year at 50 % utilisation of 10M USDC (see LendingMarket.borrow.test.ts, "interest accrual"):
// rate = floor(floor(0.04e18 / 365 days) × 0.5 / 0.8) = 792_744_799 per second;
// index = 1 + 792_744_799 × 31_536_000 / 1e18 = 1.024999999981264;
// debt = 5e12 × index rounded up = 5_124_999_999_907; interest 124_999_999_907; reserves 10 % = 12_499_999_990.
const YEAR_INDEX = 1_024_999_999_981_264_000n;
const YEAR_DEBT = 5_124_999_999_907n;
const YEAR_RESERVES = 12_499_999_990n;
const YEAR_TOTAL_ASSETS = 5_000_000n * USDC + YEAR_DEBT - YEAR_RESERVES; // 10_112_499_999_917

// ---------------------------------------------------------------- fixtures

/** A market nobody has deposited into yet. */
async function emptyMarketFixture() {
  return deployMarket({ lenderDeposit: 0n });
}

/** 10M USDC deposited (1e19 shares); alice borrowed 5M against 4000 WETH at t0: 50 % utilisation. */
async function halfUtilisedFixture() {
  const f = await deployMarket();
  await f.market.connect(f.alice).supplyCollateral(f.alice.address, 4_000n * WETH);
  await f.market.connect(f.alice).borrow(5_000_000n * USDC, f.alice.address);
  const t0 = await time.latest();
  return { ...f, t0 };
}

/** As above but with a flat 0 % rate model: the books do not move with time. */
async function flatHalfUtilisedFixture() {
  const f = await deployMarket({ sequencer: true });
  const flat = (await ethers.deployContract("KinkedRateModel", [
    0n,
    0n,
    0n,
    KINK,
  ])) as unknown as KinkedRateModel;
  await f.market.connect(f.admin).setRateModel(flat);
  await f.market.connect(f.alice).supplyCollateral(f.alice.address, 4_000n * WETH);
  await f.market.connect(f.alice).borrow(5_000_000n * USDC, f.alice.address);
  return f;
}

/** A market whose debt token burns 1 % of every transfer, deployed through the factory. */
async function feeDebtFixture() {
  const f = await deployMarket();
  const fee = (await ethers.deployContract("FeeOnTransferToken", [100n])) as unknown as FeeOnTransferToken;
  // WETH (18) priced in FEE (18) by the fixture's 8-decimal feed: price = answer × 1e10.
  const params = { ...f.params, minDebt: 100n * WETH, keeperTip: WETH, maxSoftSeizePerWindow: 10n ** 24n };
  const feeMarket = await deploySiblingMarket(f, f.weth, fee, params, "Fee debt", "gFEE");
  await fee.mint(f.lender.address, 1_000_000n * WETH);
  await fee.connect(f.lender).approve(feeMarket, MAX_UINT);
  return { ...f, fee, feeMarket };
}

/** Sets the sequencer uptime feed down (answer 1) from the next block on. */
async function sequencerDown(f: MarketFixture) {
  const feed = MockV3Aggregator__factory.connect(await f.oracle.sequencerFeed(), f.deployer);
  const now = BigInt(await time.latest()) + 1n;
  await feed.updateRoundData((await feed.latestRound()) + 1n, 1n, now, now);
}

// ================================================================ tests

describe("LendingMarket: ERC-4626 vault", () => {
  describe("metadata", () => {
    it("has the debt token as asset and 6 + 6 = 12 share decimals (6 virtual decimals)", async () => {
      const { market, usdc } = await loadFixture(emptyMarketFixture);
      expect(await market.asset()).to.equal(await usdc.getAddress());
      expect(await market.decimals()).to.equal(12n);
      expect(await market.name()).to.equal("Gradual WETH/USDC");
      expect(await market.symbol()).to.equal("gWETH-USDC");
    });
  });

  describe("deposit and mint", () => {
    it("first deposit mints assets × 1e6 shares and emits Deposit(caller, receiver, assets, shares)", async () => {
      const { market, usdc, lender } = await loadFixture(emptyMarketFixture);
      const tx = market.connect(lender).deposit(1_000n * USDC, lender.address);
      // 1e9 × (0 + 1e6) / (0 + 1) = 1e15 shares.
      await expect(tx)
        .to.emit(market, "Deposit")
        .withArgs(lender.address, lender.address, 1_000n * USDC, 10n ** 15n);
      await expect(tx).to.changeTokenBalances(usdc, [lender, market], [-1_000n * USDC, 1_000n * USDC]);
      expect(await market.balanceOf(lender.address)).to.equal(10n ** 15n);
      expect(await market.totalSupply()).to.equal(10n ** 15n);
      expect(await market.totalAssets()).to.equal(1_000n * USDC);
      expect(await market.accounting()).to.deep.equal([1_000n * USDC, 0n, 0n, 10n ** 18n]);
    });

    it("returns the shares minted", async () => {
      const { market, lender } = await loadFixture(emptyMarketFixture);
      expect(await market.connect(lender).deposit.staticCall(1_000n * USDC, lender.address)).to.equal(
        10n ** 15n,
      );
    });

    it("mints the shares to another receiver, pulling from the caller", async () => {
      const { market, usdc, lender, bob } = await loadFixture(emptyMarketFixture);
      const tx = market.connect(lender).deposit(250n * USDC, bob.address);
      await expect(tx)
        .to.emit(market, "Deposit")
        .withArgs(lender.address, bob.address, 250n * USDC, 250n * 10n ** 12n);
      await expect(tx).to.changeTokenBalances(usdc, [lender, bob], [-250n * USDC, 0n]);
      expect(await market.balanceOf(bob.address)).to.equal(250n * 10n ** 12n);
      expect(await market.balanceOf(lender.address)).to.equal(0n);
    });

    it("a second deposit at an unchanged share price mints the same shares per asset", async () => {
      const { market, lender, bob } = await loadFixture(emptyMarketFixture);
      await market.connect(lender).deposit(1_000n * USDC, lender.address);
      // 7e6 × (1e15 + 1e6) / (1e9 + 1) = 7e6 × 1e6: exact, as (1e15 + 1e6) = 1e6 × (1e9 + 1).
      await expect(market.connect(bob).deposit(7n * USDC, bob.address))
        .to.emit(market, "Deposit")
        .withArgs(bob.address, bob.address, 7n * USDC, 7n * 10n ** 12n);
    });

    it("mint pulls previewMint assets: 5e14 shares cost exactly 500 USDC", async () => {
      const { market, usdc, lender, bob } = await loadFixture(emptyMarketFixture);
      await market.connect(lender).deposit(1_000n * USDC, lender.address);
      // 5e14 × (1e9 + 1) / (1e15 + 1e6) = 5e8, exact.
      const tx = market.connect(bob).mint(5n * 10n ** 14n, bob.address);
      await expect(tx)
        .to.emit(market, "Deposit")
        .withArgs(bob.address, bob.address, 500n * USDC, 5n * 10n ** 14n);
      await expect(tx).to.changeTokenBalances(usdc, [bob, market], [-500n * USDC, 500n * USDC]);
      expect(await market.balanceOf(bob.address)).to.equal(5n * 10n ** 14n);
    });

    it("mint rounds the assets up: one share costs one whole base unit", async () => {
      const { market, usdc, lender, bob } = await loadFixture(emptyMarketFixture);
      await market.connect(lender).deposit(1_000n * USDC, lender.address);
      // 1 × (1e9 + 1) / (1e15 + 1e6) = 1e-6, rounded up to 1.
      expect(await market.previewMint(1n)).to.equal(1n);
      await expect(market.connect(bob).mint(1n, bob.address)).to.changeTokenBalance(usdc, bob, -1n);
      expect(await market.connect(bob).mint.staticCall(1n, bob.address)).to.equal(1n);
    });

    it("reverts MarketZeroAmount for a zero deposit and a zero mint", async () => {
      const { market, lender } = await loadFixture(emptyMarketFixture);
      await expect(market.connect(lender).deposit(0n, lender.address)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
      await expect(market.connect(lender).mint(0n, lender.address)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
    });

    it("refuses a fee-on-transfer debt token on deposit: MarketTransferMismatch(token, expected, received)", async () => {
      const { feeMarket, fee, lender } = await loadFixture(feeDebtFixture);
      // 1 % burnt: 1000 FEE sent, 990 FEE received.
      await expect(feeMarket.connect(lender).deposit(1_000n * WETH, lender.address))
        .to.be.revertedWithCustomError(feeMarket, "MarketTransferMismatch")
        .withArgs(await fee.getAddress(), 1_000n * WETH, 990n * WETH);
    });

    it("refuses a fee-on-transfer debt token on mint: MarketTransferMismatch(token, expected, received)", async () => {
      const { feeMarket, fee, lender } = await loadFixture(feeDebtFixture);
      // 1e21 shares of an empty vault cost 1e21 / 1e6 = 1e15 base units; 1 % is burnt in transit.
      await expect(feeMarket.connect(lender).mint(10n ** 21n, lender.address))
        .to.be.revertedWithCustomError(feeMarket, "MarketTransferMismatch")
        .withArgs(await fee.getAddress(), 10n ** 15n, (10n ** 15n * 99n) / 100n);
    });

    it("works with a stale feed and while the sequencer is down (no price is read)", async () => {
      const f = await loadFixture(flatHalfUtilisedFixture);
      const { market, bob } = f;
      await sequencerDown(f);
      await time.increase(FEED_HEARTBEAT + 1);
      // Flat rate: totalAssets stays 1e13 and supply 1e19, so 1000 USDC buy 1e15 shares.
      await expect(market.connect(bob).deposit(1_000n * USDC, bob.address))
        .to.emit(market, "Deposit")
        .withArgs(bob.address, bob.address, 1_000n * USDC, 10n ** 15n);
      await expect(market.connect(bob).withdraw(1_000n * USDC, bob.address, bob.address))
        .to.emit(market, "Withdraw")
        .withArgs(bob.address, bob.address, bob.address, 1_000n * USDC, 10n ** 15n);
    });
  });

  describe("withdraw and redeem", () => {
    /** The lender holds 1e15 shares of 1000 USDC in an otherwise empty market. */
    async function lenderHolds1000() {
      const f = await loadFixture(emptyMarketFixture);
      await f.market.connect(f.lender).deposit(1_000n * USDC, f.lender.address);
      return f;
    }

    it("withdraw burns previewWithdraw shares, sends the assets and emits Withdraw(caller, receiver, owner, assets, shares)", async () => {
      const { market, usdc, lender, bob } = await lenderHolds1000();
      // 4e8 × (1e15 + 1e6) / (1e9 + 1) = 4e14, exact.
      const tx = market.connect(lender).withdraw(400n * USDC, bob.address, lender.address);
      await expect(tx)
        .to.emit(market, "Withdraw")
        .withArgs(lender.address, bob.address, lender.address, 400n * USDC, 4n * 10n ** 14n);
      await expect(tx).to.changeTokenBalances(usdc, [market, lender, bob], [-400n * USDC, 0n, 400n * USDC]);
      expect(await market.balanceOf(lender.address)).to.equal(6n * 10n ** 14n);
      expect(await market.totalAssets()).to.equal(600n * USDC);
      const [cash] = await market.accounting();
      expect(cash).to.equal(600n * USDC);
    });

    it("withdraw rounds the burnt shares up: one base unit costs 1e6 shares", async () => {
      const { market, lender } = await lenderHolds1000();
      expect(await market.connect(lender).withdraw.staticCall(1n, lender.address, lender.address)).to.equal(
        10n ** 6n,
      );
    });

    it("redeem pays previewRedeem assets and emits Withdraw", async () => {
      const { market, usdc, lender } = await lenderHolds1000();
      // 1e14 × (1e9 + 1) / (1e15 + 1e6) = 1e8, exact.
      const tx = market.connect(lender).redeem(10n ** 14n, lender.address, lender.address);
      await expect(tx)
        .to.emit(market, "Withdraw")
        .withArgs(lender.address, lender.address, lender.address, 100n * USDC, 10n ** 14n);
      await expect(tx).to.changeTokenBalances(usdc, [market, lender], [-100n * USDC, 100n * USDC]);
    });

    it("redeem of everything empties the vault", async () => {
      const { market, lender } = await lenderHolds1000();
      await market.connect(lender).redeem(10n ** 15n, lender.address, lender.address);
      expect(await market.totalSupply()).to.equal(0n);
      expect(await market.totalAssets()).to.equal(0n);
    });

    it("lets an approved spender withdraw for the owner, spending its share allowance", async () => {
      const { market, usdc, lender, bob } = await lenderHolds1000();
      await market.connect(lender).approve(bob.address, 5n * 10n ** 14n);
      const tx = market.connect(bob).withdraw(300n * USDC, bob.address, lender.address);
      await expect(tx)
        .to.emit(market, "Withdraw")
        .withArgs(bob.address, bob.address, lender.address, 300n * USDC, 3n * 10n ** 14n);
      await expect(tx).to.changeTokenBalances(usdc, [bob, lender], [300n * USDC, 0n]);
      expect(await market.allowance(lender.address, bob.address)).to.equal(2n * 10n ** 14n);
    });

    it("reverts ERC20InsufficientAllowance(spender, allowance, needed) for a spender without allowance", async () => {
      const { market, lender, bob } = await lenderHolds1000();
      await expect(market.connect(bob).redeem(10n ** 14n, bob.address, lender.address))
        .to.be.revertedWithCustomError(market, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 0n, 10n ** 14n);
    });

    it("reverts MarketZeroAmount for a zero withdraw and a zero redeem", async () => {
      const { market, lender } = await lenderHolds1000();
      await expect(
        market.connect(lender).withdraw(0n, lender.address, lender.address),
      ).to.be.revertedWithCustomError(market, "MarketZeroAmount");
      await expect(
        market.connect(lender).redeem(0n, lender.address, lender.address),
      ).to.be.revertedWithCustomError(market, "MarketZeroAmount");
    });

    it("reverts MarketZeroAmount when the shares redeemed are worth less than one base unit", async () => {
      const { market, lender } = await lenderHolds1000();
      // 999_999 × (1e9 + 1) / (1e15 + 1e6) = 0.999999 → 0 assets.
      await expect(
        market.connect(lender).redeem(999_999n, lender.address, lender.address),
      ).to.be.revertedWithCustomError(market, "MarketZeroAmount");
    });
  });

  describe("share price and interest", () => {
    it("totalAssets = cash + debt with interest - reserves, and the share price rises with interest", async () => {
      const { market, t0 } = await loadFixture(halfUtilisedFixture);
      const supply = 10_000_000n * USDC * VIRTUAL_SHARES; // 1e19
      // Before any interest one USDC of shares (1e12) is worth exactly 1 USDC.
      expect(await market.convertToAssets(10n ** 12n)).to.equal(USDC);
      await time.increaseTo(t0 + YEAR);
      expect(await market.totalAssets()).to.equal(YEAR_TOTAL_ASSETS);
      expect(YEAR_TOTAL_ASSETS).to.equal(10_112_499_999_917n);
      // 1e12 × (10_112_499_999_917 + 1) / (1e19 + 1e6) = 1.0112499… USDC → 1_011_249.
      expect(await market.convertToAssets(10n ** 12n)).to.equal(1_011_249n);
      expect(await market.convertToAssets(supply)).to.equal(toAssetsDown(supply, YEAR_TOTAL_ASSETS, supply));
      expect(toAssetsDown(supply, YEAR_TOTAL_ASSETS, supply)).to.equal(10_112_499_999_916n);
    });

    it("a deposit after a year of interest mints shares at the grown price (interest booked first)", async () => {
      const { market, bob, t0 } = await loadFixture(halfUtilisedFixture);
      const supply = 10n ** 19n;
      await time.setNextBlockTimestamp(t0 + YEAR);
      // 1e9 × (1e19 + 1e6) / (10_112_499_999_917 + 1) = 988_875_154_519_860.6… → rounded down.
      const shares = 988_875_154_519_860n;
      expect(toSharesDown(1_000n * USDC, YEAR_TOTAL_ASSETS, supply)).to.equal(shares);
      const tx = market.connect(bob).deposit(1_000n * USDC, bob.address);
      await expect(tx)
        .to.emit(market, "Deposit")
        .withArgs(bob.address, bob.address, 1_000n * USDC, shares);
      await expect(tx)
        .to.emit(market, "InterestAccrued")
        .withArgs(YEAR_INDEX, YEAR_DEBT - 5_000_000n * USDC, YEAR_RESERVES);
      expect(await market.accounting()).to.deep.equal([
        5_000_000n * USDC + 1_000n * USDC,
        YEAR_DEBT,
        YEAR_RESERVES,
        YEAR_INDEX,
      ]);
      expect(await market.totalAssets()).to.equal(YEAR_TOTAL_ASSETS + 1_000n * USDC);
    });

    it("a withdrawal after a year books the interest and burns shares at the grown price, rounded up", async () => {
      const { market, lender, t0 } = await loadFixture(halfUtilisedFixture);
      const supply = 10n ** 19n;
      await time.setNextBlockTimestamp(t0 + YEAR);
      const shares = toSharesUp(1_000n * USDC, YEAR_TOTAL_ASSETS, supply);
      expect(shares).to.equal(988_875_154_519_861n);
      const tx = market.connect(lender).withdraw(1_000n * USDC, lender.address, lender.address);
      await expect(tx)
        .to.emit(market, "Withdraw")
        .withArgs(lender.address, lender.address, lender.address, 1_000n * USDC, shares);
      await expect(tx)
        .to.emit(market, "InterestAccrued")
        .withArgs(YEAR_INDEX, YEAR_DEBT - 5_000_000n * USDC, YEAR_RESERVES);
      expect(await market.balanceOf(lender.address)).to.equal(supply - shares);
      expect(await market.accounting()).to.deep.equal([
        5_000_000n * USDC - 1_000n * USDC,
        YEAR_DEBT,
        YEAR_RESERVES,
        YEAR_INDEX,
      ]);
    });
  });

  describe("withdrawals capped by cash", () => {
    it("maxWithdraw and maxRedeem of a large lender are capped by the market's cash", async () => {
      const { market, lender } = await loadFixture(flatHalfUtilisedFixture);
      // Cash 5M of totalAssets 10M: 5e12 × (1e19 + 1e6) / (1e13 + 1) = 5e18 shares, exact.
      expect(await market.maxWithdraw(lender.address)).to.equal(5_000_000n * USDC);
      expect(await market.maxRedeem(lender.address)).to.equal(5n * 10n ** 18n);
      expect(await market.balanceOf(lender.address)).to.equal(10n ** 19n);
    });

    it("withdraw above the cap reverts ERC4626ExceededMaxWithdraw(owner, assets, max)", async () => {
      const { market, lender } = await loadFixture(flatHalfUtilisedFixture);
      await expect(market.connect(lender).withdraw(5_000_000n * USDC + 1n, lender.address, lender.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxWithdraw")
        .withArgs(lender.address, 5_000_000n * USDC + 1n, 5_000_000n * USDC);
    });

    it("redeem above the cap reverts ERC4626ExceededMaxRedeem(owner, shares, max)", async () => {
      const { market, lender } = await loadFixture(flatHalfUtilisedFixture);
      await expect(market.connect(lender).redeem(5n * 10n ** 18n + 1n, lender.address, lender.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxRedeem")
        .withArgs(lender.address, 5n * 10n ** 18n + 1n, 5n * 10n ** 18n);
    });

    it("withdrawing exactly the cap empties the cash, after which nothing more can be withdrawn", async () => {
      const { market, usdc, lender } = await loadFixture(flatHalfUtilisedFixture);
      const tx = market.connect(lender).withdraw(5_000_000n * USDC, lender.address, lender.address);
      await expect(tx)
        .to.emit(market, "Withdraw")
        .withArgs(lender.address, lender.address, lender.address, 5_000_000n * USDC, 5n * 10n ** 18n);
      await expect(tx).to.changeTokenBalance(usdc, lender, 5_000_000n * USDC);
      const [cash] = await market.accounting();
      expect(cash).to.equal(0n);
      expect(await market.maxWithdraw(lender.address)).to.equal(0n);
      expect(await market.maxRedeem(lender.address)).to.equal(0n);
      await expect(market.connect(lender).withdraw(1n, lender.address, lender.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxWithdraw")
        .withArgs(lender.address, 1n, 0n);
    });

    it("a small holder whose assets are below the cash can withdraw all of them", async () => {
      const { market, bob } = await loadFixture(flatHalfUtilisedFixture);
      await market.connect(bob).deposit(1_000n * USDC, bob.address); // 1e15 shares at 1e6 per unit
      expect(await market.maxRedeem(bob.address)).to.equal(10n ** 15n);
      expect(await market.maxWithdraw(bob.address)).to.equal(1_000n * USDC);
      await expect(market.connect(bob).redeem(10n ** 15n, bob.address, bob.address))
        .to.emit(market, "Withdraw")
        .withArgs(bob.address, bob.address, bob.address, 1_000n * USDC, 10n ** 15n);
    });

    it("cash freed by a repay can be withdrawn", async () => {
      const { market, lender, alice } = await loadFixture(flatHalfUtilisedFixture);
      await market.connect(alice).repay(alice.address, 1_000_000n * USDC);
      expect(await market.maxWithdraw(lender.address)).to.equal(6_000_000n * USDC);
    });
  });

  describe("pause", () => {
    it("makes maxDeposit, maxMint, maxWithdraw and maxRedeem return 0 (unbounded deposits otherwise)", async () => {
      const { market, lender, guardian } = await loadFixture(flatHalfUtilisedFixture);
      expect(await market.maxDeposit(lender.address)).to.equal(MAX_UINT);
      expect(await market.maxMint(lender.address)).to.equal(MAX_UINT);
      await market.connect(guardian).pause();
      expect(await market.maxDeposit(lender.address)).to.equal(0n);
      expect(await market.maxMint(lender.address)).to.equal(0n);
      expect(await market.maxWithdraw(lender.address)).to.equal(0n);
      expect(await market.maxRedeem(lender.address)).to.equal(0n);
    });

    it("refuses deposit, mint, withdraw and redeem with the ERC-4626 max errors (max = 0)", async () => {
      const { market, lender, bob, guardian } = await loadFixture(flatHalfUtilisedFixture);
      await market.connect(guardian).pause();
      await expect(market.connect(lender).deposit(USDC, bob.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxDeposit")
        .withArgs(bob.address, USDC, 0n);
      await expect(market.connect(lender).mint(10n ** 12n, bob.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxMint")
        .withArgs(bob.address, 10n ** 12n, 0n);
      await expect(market.connect(lender).withdraw(USDC, lender.address, lender.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxWithdraw")
        .withArgs(lender.address, USDC, 0n);
      await expect(market.connect(lender).redeem(10n ** 12n, lender.address, lender.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxRedeem")
        .withArgs(lender.address, 10n ** 12n, 0n);
    });

    it("lets everything through again after unpause", async () => {
      const { market, lender, guardian } = await loadFixture(flatHalfUtilisedFixture);
      await market.connect(guardian).pause();
      await market.connect(guardian).unpause();
      await expect(market.connect(lender).withdraw(USDC, lender.address, lender.address))
        .to.emit(market, "Withdraw")
        .withArgs(lender.address, lender.address, lender.address, USDC, 10n ** 12n);
    });
  });

  describe("first-depositor inflation attack", () => {
    it("is unprofitable: a donation is not counted, the victim gets full shares and the attacker loses the donation", async () => {
      const { market, usdc, other: attacker, bob: victim } = await loadFixture(emptyMarketFixture);
      // 1. The attacker deposits one base unit: 1 × 1e6 / 1 = 1e6 shares.
      await market.connect(attacker).deposit(1n, attacker.address);
      expect(await market.balanceOf(attacker.address)).to.equal(VIRTUAL_SHARES);
      // 2. ...and donates 1,000,000 USDC straight to the market.
      const donation = 1_000_000n * USDC;
      await usdc.connect(attacker).transfer(market, donation);
      // The books never read balanceOf: the donation is invisible.
      expect(await market.totalAssets()).to.equal(1n);
      expect(await market.accounting()).to.deep.equal([1n, 0n, 0n, 10n ** 18n]);
      // 3. The victim deposits 1000 USDC: 1e9 × (1e6 + 1e6) / (1 + 1) = 1e15 shares, as without the donation.
      await expect(market.connect(victim).deposit(1_000n * USDC, victim.address))
        .to.emit(market, "Deposit")
        .withArgs(victim.address, victim.address, 1_000n * USDC, 10n ** 15n);
      // 4. The attacker redeems: 1e6 × (1e9 + 1 + 1) / (1e15 + 1e6 + 1e6) = 1 base unit back.
      const tx = market.connect(attacker).redeem(VIRTUAL_SHARES, attacker.address, attacker.address);
      await expect(tx)
        .to.emit(market, "Withdraw")
        .withArgs(attacker.address, attacker.address, attacker.address, 1n, VIRTUAL_SHARES);
      await expect(tx).to.changeTokenBalance(usdc, attacker, 1n);
      // 5. The victim can take the whole deposit back: 1e15 × (1e9 + 1) / (1e15 + 1e6) = 1e9.
      expect(await market.maxWithdraw(victim.address)).to.equal(1_000n * USDC);
      await expect(
        market.connect(victim).redeem(10n ** 15n, victim.address, victim.address),
      ).to.changeTokenBalance(usdc, victim, 1_000n * USDC);
      // The donation stays in the market, unaccounted.
      expect(await usdc.balanceOf(market)).to.equal(donation);
    });

    it("a donation after deposits does not move the share price either", async () => {
      const { market, usdc, lender, other } = await loadFixture(emptyMarketFixture);
      await market.connect(lender).deposit(1_000n * USDC, lender.address);
      await usdc.connect(other).transfer(market, 500n * USDC);
      expect(await market.convertToAssets(10n ** 15n)).to.equal(1_000n * USDC);
      expect(await market.previewDeposit(1_000n * USDC)).to.equal(10n ** 15n);
    });
  });

  describe("reentrancy", () => {
    it("refuses a vault deposit from inside a liquidation step's callback (ReentrancyGuardReentrantCall)", async () => {
      const f = await loadFixture(flatHalfUtilisedFixture);
      const { market, usdc, alice } = f;
      const keeper = (await ethers.deployContract("ReentrantKeeper", [
        market,
        usdc,
      ])) as unknown as ReentrantKeeper;
      // 4000 WETH and 5M USDC: at $1500 the LTV is 5M / 6M = 0.833 (soft); at $1350, 0.926 (hard).
      await f.setAnswer(1_350n * 10n ** 8n);
      await expect(keeper.step(alice.address, 3n)).to.be.revertedWithCustomError(
        market,
        "ReentrancyGuardReentrantCall",
      );
    });

    /** A keeper contract holding 1e15 shares (1000 USDC), and the position in the hard zone. */
    async function keeperWithShares() {
      const f = await loadFixture(flatHalfUtilisedFixture);
      const keeper = (await ethers.deployContract("ReenteringCallbackKeeper", [
        f.market,
      ])) as unknown as ReenteringCallbackKeeper;
      const k = await keeper.getAddress();
      await f.usdc.mint(k, 1_000n * USDC);
      await keeper.approveMarket(f.usdc);
      await keeper.callMarket(f.market.interface.encodeFunctionData("deposit", [1_000n * USDC, k]));
      expect(await f.market.balanceOf(k)).to.equal(10n ** 15n);
      await f.setAnswer(1_350n * 10n ** 8n);
      return { ...f, keeper, k };
    }

    it("refuses mint, withdraw and redeem from inside a step's callback (ReentrancyGuardReentrantCall)", async () => {
      const { market, keeper, k, alice } = await keeperWithShares();
      const calls = [
        market.interface.encodeFunctionData("mint", [10n ** 12n, k]),
        market.interface.encodeFunctionData("withdraw", [USDC, k, k]),
        market.interface.encodeFunctionData("redeem", [10n ** 12n, k, k]),
      ];
      for (const call of calls) {
        await expect(keeper.stepAndReenter(alice.address, call)).to.be.revertedWithCustomError(
          market,
          "ReentrancyGuardReentrantCall",
        );
      }
      // Outside a step the same calls work.
      await expect(keeper.callMarket(calls[1]))
        .to.emit(market, "Withdraw")
        .withArgs(k, k, k, USDC, 10n ** 12n);
    });
  });

  describe("very high share price", () => {
    it("reverts MarketZeroAmount for a deposit too small to buy one share, and accepts one that buys some", async () => {
      // 100 USDC lent (1e14 shares) and all borrowed, at 1000 % + 1000 % + 1000 % a year: about x31 per
      // yearly accrual. After five accruals one share is worth more than one base unit.
      const f = await deployMarket({ lenderDeposit: 100n });
      const { market, admin, alice, bob, params } = f;
      const maxRates = await ethers.deployContract("KinkedRateModel", [
        10n * WAD,
        10n * WAD,
        10n * WAD,
        KINK,
      ]);
      const flat = await ethers.deployContract("KinkedRateModel", [0n, 0n, 0n, KINK]);
      await market.connect(admin).setRateModel(maxRates);
      await market.connect(alice).supplyCollateral(alice.address, 1_000n * WETH);
      await market.connect(alice).borrow(100n * USDC, alice.address);
      const t0 = await time.latest();
      // u = 100 %: rate = 3 × floor(10e18 / 31_536_000) = 951_293_759_511 per second.
      const rate = 3n * 317_097_919_837n;
      let index = WAD;
      let reserves = 0n;
      for (let k = 1; k <= 5; k++) {
        await time.setNextBlockTimestamp(t0 + k * YEAR);
        // Books the year's interest; the last time, also stops interest so that the books hold still below.
        if (k < 5) await market.connect(admin).setParams(toStruct(params));
        else await market.connect(admin).setRateModel(flat);
        const before = wadMulUp(100n * USDC, index);
        index = wadMulUp(index, WAD + rate * BigInt(YEAR));
        reserves += ((wadMulUp(100n * USDC, index) - before) * 1_000n) / BPS;
      }
      const totalAssets = wadMulUp(100n * USDC, index) - reserves; // no cash
      expect(await market.totalAssets()).to.equal(totalAssets);
      const supply = 10n ** 14n;
      // 1 × (1e14 + 1e6) / (totalAssets + 1) < 1: zero shares.
      expect(totalAssets + 1n).to.be.greaterThan(supply + VIRTUAL_SHARES);
      await expect(market.connect(bob).deposit(1n, bob.address)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
      const shares = toSharesDown(1_000n * USDC, totalAssets, supply);
      expect(shares).to.be.greaterThan(0n);
      await expect(market.connect(bob).deposit(1_000n * USDC, bob.address))
        .to.emit(market, "Deposit")
        .withArgs(bob.address, bob.address, 1_000n * USDC, shares);
    });
  });

  describe("losses beyond the lenders' assets", () => {
    /** 1000 USDC lent, all of it borrowed against 1 WETH; a year at 100 % utilisation; price crashes to $10. */
    async function insolventFixture() {
      const f = await deployMarket({ lenderDeposit: 1_000n });
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, WETH);
      await f.market.connect(f.alice).borrow(1_000n * USDC, f.alice.address);
      const t0 = await time.latest();
      await time.setNextBlockTimestamp(t0 + YEAR - 1);
      await f.setAnswer(10n * 10n ** 8n);
      // Hard zone, collateral worth 10 USDC: the keeper repays 10 / 1.02 for all of it, the rest is bad debt.
      await time.setNextBlockTimestamp(t0 + YEAR);
      await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX_UINT, 0n, "0x");
      return f;
    }

    // rate at u = 1: slope1 + slope2 = 1_268_391_679 + 19_025_875_190 = 20_294_266_869 per second; after a year
    // the index is 1 + 20_294_266_869 × 31_536_000 / 1e18 = 1.639999999980784: debt ceil(1639.999999980784) =
    // 1640 USDC, interest 640, reserves 10 % = 64 USDC, cash 0.
    // The step: V = 10 USDC < 1640 × 1.02, so repaid = ceil(10 / 1.02) = 9.803922 for the whole WETH, the full
    // tip of 1 USDC comes from reserves, the rest of the debt is written off.
    const INDEX = 1_639_999_999_980_784_000n;
    const REPAID = 9_803_922n;
    const CASH = REPAID - 1n * USDC; // 8.803922: repaid less the tip
    // Reserves 64 - 1 (tip) = 63 would exceed cash + debt = 8.803922: the loss beyond the lenders' assets falls on
    // reserves, capped at cash + debt.
    const RESERVES = CASH;
    const LENDER_SHARES = 1_000n * USDC * VIRTUAL_SHARES; // 1e15

    it("realises the bad debt and cuts reserves from 63 USDC to cash + debt (8.803922 USDC)", async () => {
      const f = await loadFixture(insolventFixture);
      expect(20_294_266_869n * BigInt(YEAR)).to.equal(INDEX - WAD);
      expect(mulDivUp(10n * USDC, WAD, WAD + WAD / 50n)).to.equal(REPAID);
      expect(await f.market.accounting()).to.deep.equal([CASH, 0n, RESERVES, INDEX]);
      expect(await f.market.totalSupply()).to.equal(LENDER_SHARES);
    });

    it("floors totalAssets at zero (reserves are senior): previews, max functions and the lens stay readable", async () => {
      const { market, lens, lender } = await loadFixture(insolventFixture);
      // cash + debt - reserves = 8.803922 - 8.803922 = 0.
      expect(await market.totalAssets()).to.equal(0n);
      // The lender's shares are worth 1e15 × (0 + 1) / (1e15 + 1e6) = 0.
      expect(await market.convertToAssets(LENDER_SHARES)).to.equal(0n);
      expect(await market.previewRedeem(LENDER_SHARES)).to.equal(0n);
      expect(await market.maxWithdraw(lender.address)).to.equal(0n);
      // maxRedeem: min(balance 1e15, cash in shares 8_803_922 × (1e15 + 1e6) / 1) = 1e15.
      expect(await market.maxRedeem(lender.address)).to.equal(LENDER_SHARES);
      // One asset costs (supply + 1e6) / (0 + 1) shares, rounded up for a withdrawal, down for a deposit.
      expect(await market.previewWithdraw(USDC)).to.equal(USDC * (LENDER_SHARES + VIRTUAL_SHARES));
      expect(await market.previewDeposit(100n * USDC)).to.equal(
        100n * USDC * (LENDER_SHARES + VIRTUAL_SHARES),
      );
      expect(await market.previewMint(LENDER_SHARES + VIRTUAL_SHARES)).to.equal(1n);
      expect((await lens.marketSummary(market)).totalAssets).to.equal(0n);
    });

    it("refuses withdrawals worth nothing: withdraw above maxWithdraw = 0, and redeem of shares worth 0 assets", async () => {
      const { market, lender } = await loadFixture(insolventFixture);
      await expect(market.connect(lender).withdraw(1n, lender.address, lender.address))
        .to.be.revertedWithCustomError(market, "ERC4626ExceededMaxWithdraw")
        .withArgs(lender.address, 1n, 0n);
      await expect(
        market.connect(lender).redeem(LENDER_SHARES, lender.address, lender.address),
      ).to.be.revertedWithCustomError(market, "MarketZeroAmount");
    });

    it("keeps deposits whole: a new deposit is worth exactly what it paid", async () => {
      const { market, usdc, lender, bob } = await loadFixture(insolventFixture);
      const shares = 100n * USDC * (LENDER_SHARES + VIRTUAL_SHARES); // 100 USDC × (1e15 + 1e6) / (0 + 1)
      const tx = market.connect(bob).deposit(100n * USDC, bob.address);
      await expect(tx)
        .to.emit(market, "Deposit")
        .withArgs(bob.address, bob.address, 100n * USDC, shares);
      await expect(tx).to.changeTokenBalances(usdc, [bob, market], [-100n * USDC, 100n * USDC]);
      expect(await market.balanceOf(bob.address)).to.equal(shares);
      // totalAssets = 100 + 8.803922 - 8.803922 = 100.
      const assets = 100n * USDC;
      expect(await market.totalAssets()).to.equal(assets);
      const supply = LENDER_SHARES + shares;
      expect(await market.totalSupply()).to.equal(supply);
      // bob: shares × (assets + 1) / (supply + 1e6) = 100e6 (1e15 + 1e6)(100e6 + 1) / ((1e15 + 1e6)(100e6 + 1)).
      expect(await market.convertToAssets(shares)).to.equal(
        mulDivDown(shares, assets + 1n, supply + VIRTUAL_SHARES),
      );
      expect(await market.convertToAssets(shares)).to.equal(100n * USDC);
      expect(await market.maxWithdraw(lender.address)).to.equal(0n);
    });
  });

  // The one-read check after a debt-token pull: the market must hold at least the cash it books.
  describe("fee-on-transfer debt token: balance at least booked cash after every pull", () => {
    /** 1,011 FEE donated (1,000.89 arrive), then a 100,000 deposit (99,000 arrive): 0.89 FEE above cash. */
    async function donatedFixture() {
      const f = await feeDebtFixture();
      await f.fee.connect(f.lender).transfer(f.feeMarket, 1_011n * WETH);
      await f.feeMarket.connect(f.lender).deposit(100_000n * WETH, f.lender.address);
      return f;
    }
    const surplus = 89n * 10n ** 16n; // 0.89 FEE

    it("takes a deposit whose fee a donation covers: books the full amount and holds more than it books", async () => {
      const f = await loadFixture(donatedFixture);
      const [cash] = await f.feeMarket.accounting();
      expect(cash).to.equal(100_000n * WETH);
      expect(await f.fee.balanceOf(f.feeMarket)).to.equal(100_000n * WETH + surplus);
      expect(await f.feeMarket.totalAssets()).to.equal(100_000n * WETH);
    });

    it("refuses the next deposit once the shortfall exceeds what is left: received = balance - cash before", async () => {
      const f = await loadFixture(donatedFixture);
      // 1,000 sent, 990 arrive: the books could credit 990 + 0.89.
      await expect(f.feeMarket.connect(f.lender).deposit(1_000n * WETH, f.lender.address))
        .to.be.revertedWithCustomError(f.feeMarket, "MarketTransferMismatch")
        .withArgs(await f.fee.getAddress(), 1_000n * WETH, 990n * WETH + surplus);
    });

    it("refuses a repay and a liquidation step whose fee the surplus does not cover", async () => {
      const f = await loadFixture(donatedFixture);
      const { feeMarket, fee, weth, alice, keeper } = f;
      await weth.connect(alice).approve(feeMarket, MAX_UINT);
      await feeMarket.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await feeMarket.connect(alice).borrow(15_000n * WETH, alice.address); // LTV 0.75 at $2,000
      await fee.connect(alice).approve(feeMarket, MAX_UINT);
      // Repay 1,000: 990 arrive, 0.89 above cash before.
      await expect(feeMarket.connect(alice).repay(alice.address, 1_000n * WETH))
        .to.be.revertedWithCustomError(feeMarket, "MarketTransferMismatch")
        .withArgs(await fee.getAddress(), 1_000n * WETH, 990n * WETH + surplus);
      // $1,600: hard zone; the keeper's payment loses 1 % in transit as well.
      await fee.mint(keeper.address, 100_000n * WETH);
      await fee.connect(keeper).approve(feeMarket, MAX_UINT);
      await f.setAnswer(1_600n * 10n ** 8n);
      // A partial hard step of 5,000 (no tip: not full size) pulls 5,000; 4,950 arrive.
      await expect(feeMarket.connect(keeper).liquidationStep(alice.address, 5_000n * WETH, 0n, "0x"))
        .to.be.revertedWithCustomError(feeMarket, "MarketTransferMismatch")
        .withArgs(await fee.getAddress(), 5_000n * WETH, 4_950n * WETH + surplus);
    });
  });
});
