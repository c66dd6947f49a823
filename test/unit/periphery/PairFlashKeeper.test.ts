import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { KinkedRateModel, MockERC20, PairFlashKeeper } from "../../../typechain-types";
import { defaultParams, deployMarket, deploySiblingMarket } from "../../helpers/fixtures";
import { deployUniswapV2Pair } from "../../../src/sim/uniswap-v2";

const MAX = ethers.MaxUint256;
const eth = (amount: string): bigint => ethers.parseEther(amount);
const usd = (amount: string): bigint => ethers.parseUnits(amount, 6);
/** Feed answer (8 decimals) for a WETH price in dollars. */
const answer = (dollars: number): bigint => BigInt(dollars) * 10n ** 8n;
/** Uniswap V2 getAmountOut, rounded down. */
const amountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint =>
  (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);

/**
 * Wick filter and volatility scaling off, zero interest. alice: 12.5 WETH / 17,000 USDC (LTV 0.68 at $2,000,
 * 0.85 in the soft zone at $1,600). A Uniswap V2 WETH/USDC pair (the package's artifacts, created by its factory)
 * holding 1,000 WETH and 1,600,000 USDC ($1,600).
 */
async function fixture() {
  return fixtureWith(undefined);
}

/**
 * As `fixture`, but on a sibling market whose collateral token is deployed until it sorts before (`true`) or
 * after (`false`) USDC, so that the pair holds the collateral as its token0 or token1.
 */
async function fixtureWith(collateralIsToken0: boolean | undefined) {
  const calm = { confirmDelaySeconds: 0, volLowBps: 60_000, volHighBps: 65_000 };
  const f = await deployMarket({ params: calm });
  let { market, weth } = f;
  if (collateralIsToken0 !== undefined) {
    const usdcAddress = BigInt(await f.usdc.getAddress());
    do {
      weth = (await ethers.deployContract("MockERC20", [
        "Wrapped Ether",
        "WETH",
        18,
      ])) as unknown as MockERC20;
    } while (BigInt(await weth.getAddress()) < usdcAddress !== collateralIsToken0);
    market = await deploySiblingMarket(f, weth, f.usdc, { ...defaultParams(6), ...calm }, "Sibling", "sib");
    await f.usdc.connect(f.lender).approve(market, MAX);
    await market.connect(f.lender).deposit(usd("1000000"), f.lender.address);
  }
  const flat = (await ethers.deployContract("KinkedRateModel", [
    0n,
    0n,
    0n,
    10n ** 18n,
  ])) as unknown as KinkedRateModel;
  await market.connect(f.admin).setRateModel(flat);
  await weth.mint(f.alice.address, eth("12.5"));
  await weth.connect(f.alice).approve(market, MAX);
  await market.connect(f.alice).supplyCollateral(f.alice.address, eth("12.5"));
  await market.connect(f.alice).borrow(usd("17000"), f.alice.address);
  await f.feed.updateAnswer(answer(1600));

  const v2 = await deployUniswapV2Pair(f.deployer, weth, f.usdc);
  const pair = v2.pair;
  await weth.mint(pair, eth("1000"));
  await f.usdc.mint(pair, usd("1600000"));
  await v2.contract.getFunction("sync")();
  const keeper = (await ethers.deployContract("PairFlashKeeper", [
    market,
    pair,
    f.keeper.address,
  ])) as unknown as PairFlashKeeper;
  return { ...f, market, weth, pair, v2: v2.contract, flashKeeper: keeper };
}

const collateralFirst = () => fixtureWith(true);
const collateralSecond = () => fixtureWith(false);

/** The pair's reserves as (WETH, USDC), whatever the token order. */
async function reserves(f: Awaited<ReturnType<typeof fixture>>): Promise<[bigint, bigint]> {
  const [r0, r1] = await f.pair.getReserves();
  return (await f.pair.token0()) === (await f.weth.getAddress()) ? [r0, r1] : [r1, r0];
}

describe("the Uniswap V2 pair the flash keeper sells on", () => {
  it("pays getAmountOut for 1 WETH into 1,000 WETH / 1,600,000 USDC: 1,593.611169 USDC", async () => {
    const f = await loadFixture(fixture);
    const [other] = [f.other];
    await f.weth.mint(other.address, eth("1"));
    await f.weth.connect(other).transfer(f.pair, eth("1"));
    // 1e18 x 997 x 1,600,000e6 / (1,000e18 x 1000 + 1e18 x 997) = 1,593,611,169.6... -> 1,593,611,169
    const out = 1_593_611_169n;
    const usdcBefore = await f.usdc.balanceOf(other.address);
    const wethIsToken0 = (await f.pair.token0()) === (await f.weth.getAddress());
    const args = wethIsToken0 ? ([0n, out] as const) : ([out, 0n] as const);
    await expect(f.pair.connect(other).swap(...args, other.address, "0x"))
      .to.emit(f.v2, "Swap")
      .withArgs(other.address, ...(wethIsToken0 ? [eth("1"), 0n] : [0n, eth("1")]), ...args, other.address);
    expect((await f.usdc.balanceOf(other.address)) - usdcBefore).to.equal(out);
    expect(await reserves(f)).to.deep.equal([eth("1001"), usd("1600000") - out]);
  });

  it("refuses one unit more than getAmountOut (UniswapV2: K)", async () => {
    const f = await loadFixture(fixture);
    await f.weth.mint(f.other.address, eth("1"));
    await f.weth.connect(f.other).transfer(f.pair, eth("1"));
    const out = 1_593_611_170n;
    const wethIsToken0 = (await f.pair.token0()) === (await f.weth.getAddress());
    const args = wethIsToken0 ? ([0n, out] as const) : ([out, 0n] as const);
    await expect(f.pair.connect(f.other).swap(...args, f.other.address, "0x")).to.be.revertedWith(
      "UniswapV2: K",
    );
  });
});

describe("PairFlashKeeper", () => {
  for (const [order, build] of [
    ["token0", collateralFirst],
    ["token1", collateralSecond],
  ] as const) {
    it(`steps with no debt tokens: sells the seized WETH (the pair's ${order}), the market pulls the repayment, the rest stays`, async () => {
      const f = await loadFixture(build);
      const s = await f.market.previewLiquidationStep(f.alice.address, MAX);
      expect(s.status).to.equal(0n); // Ready
      expect(s.repaid).to.be.greaterThan(0n);
      const [wethReserve, usdcReserve] = await reserves(f);
      const proceeds = amountOut(s.seized, wethReserve, usdcReserve);
      const owed = s.repaid - s.tip;
      expect(await f.flashKeeper.quoteSale(s.seized)).to.equal(proceeds);
      const debtBefore = await f.market.debtOf(f.alice.address);

      await expect(f.flashKeeper.connect(f.other).step(f.alice.address, MAX, s.seized, 0n))
        .to.emit(f.flashKeeper, "FlashStep")
        .withArgs(f.alice.address, s.repaid, s.seized, proceeds, proceeds - owed);

      expect(await f.usdc.balanceOf(f.flashKeeper)).to.equal(proceeds - owed);
      expect(await f.weth.balanceOf(f.flashKeeper)).to.equal(0n);
      expect(await reserves(f)).to.deep.equal([wethReserve + s.seized, usdcReserve - proceeds]);
      expect(await f.market.debtOf(f.alice.address)).to.equal(debtBefore - s.repaid);
    });
  }

  it("reverts FlashKeeperSaleShort when the sale does not cover the repayment plus minProfit", async () => {
    const f = await loadFixture(fixture);
    const s = await f.market.previewLiquidationStep(f.alice.address, MAX);
    const [wethReserve, usdcReserve] = await reserves(f);
    const proceeds = amountOut(s.seized, wethReserve, usdcReserve);
    const owed = s.repaid - s.tip;
    const minProfit = proceeds - owed + 1n;
    await expect(f.flashKeeper.step(f.alice.address, MAX, 0n, minProfit))
      .to.be.revertedWithCustomError(f.flashKeeper, "FlashKeeperSaleShort")
      .withArgs(proceeds, owed, minProfit);
    // With the exact profit as floor it goes through.
    await expect(f.flashKeeper.step(f.alice.address, MAX, 0n, minProfit - 1n)).to.emit(
      f.flashKeeper,
      "FlashStep",
    );
  });

  it("reverts FlashKeeperSaleShort in a pool pushed below the oracle price (a 67 WETH dump first)", async () => {
    const f = await loadFixture(fixture);
    // Dump 67 WETH into the pool first: it then pays about $1,400 for the step's WETH.
    await f.weth.mint(f.other.address, eth("67"));
    await f.weth.connect(f.other).transfer(f.pair, eth("67"));
    const [wethReserve, usdcReserve] = await reserves(f);
    const out = amountOut(eth("67"), wethReserve, usdcReserve);
    const wethIsToken0 = (await f.pair.token0()) === (await f.weth.getAddress());
    await f.pair
      .connect(f.other)
      .swap(wethIsToken0 ? 0n : out, wethIsToken0 ? out : 0n, f.other.address, "0x");
    const s = await f.market.previewLiquidationStep(f.alice.address, MAX);
    const [w, u] = await reserves(f);
    const proceeds = amountOut(s.seized, w, u);
    expect(proceeds).to.be.lessThan(s.repaid - s.tip);
    await expect(f.flashKeeper.step(f.alice.address, MAX, 0n, 0n))
      .to.be.revertedWithCustomError(f.flashKeeper, "FlashKeeperSaleShort")
      .withArgs(proceeds, s.repaid - s.tip, 0n);
  });

  it("refuses callbacks from anyone but the market, and from the market outside its own step", async () => {
    const f = await loadFixture(fixture);
    await expect(f.flashKeeper.onLiquidationStep(f.alice.address, 1n, 1n, 0n, "0x"))
      .to.be.revertedWithCustomError(f.flashKeeper, "FlashKeeperUnauthorizedCallback")
      .withArgs(f.deployer.address);
    const marketAddress = await f.market.getAddress();
    await network.provider.send("hardhat_impersonateAccount", [marketAddress]);
    await network.provider.send("hardhat_setBalance", [marketAddress, "0xde0b6b3a7640000"]);
    const asMarket = await ethers.getSigner(marketAddress);
    await expect(f.flashKeeper.connect(asMarket).onLiquidationStep(f.alice.address, 1n, 1n, 0n, "0x"))
      .to.be.revertedWithCustomError(f.flashKeeper, "FlashKeeperUnauthorizedCallback")
      .withArgs(marketAddress);
    await expect(f.flashKeeper.connect(asMarket).onLiquidationStep(ethers.ZeroAddress, 1n, 1n, 0n, "0x"))
      .to.be.revertedWithCustomError(f.flashKeeper, "FlashKeeperUnauthorizedCallback")
      .withArgs(marketAddress);
    await network.provider.send("hardhat_stopImpersonatingAccount", [marketAddress]);
  });

  it("lets only the owner withdraw what it earned", async () => {
    const f = await loadFixture(fixture);
    await f.flashKeeper.step(f.alice.address, MAX, 0n, 0n);
    const profit = await f.usdc.balanceOf(f.flashKeeper);
    expect(profit).to.be.greaterThan(0n);
    await expect(f.flashKeeper.connect(f.other).withdraw(f.usdc, f.other.address, profit))
      .to.be.revertedWithCustomError(f.flashKeeper, "OwnableUnauthorizedAccount")
      .withArgs(f.other.address);
    await expect(
      f.flashKeeper.connect(f.keeper).withdraw(f.usdc, ethers.ZeroAddress, profit),
    ).to.be.revertedWithCustomError(f.flashKeeper, "FlashKeeperZeroAddress");
    await expect(f.flashKeeper.connect(f.keeper).withdraw(f.usdc, f.keeper.address, profit))
      .to.emit(f.flashKeeper, "FundsWithdrawn")
      .withArgs(await f.usdc.getAddress(), f.keeper.address, profit);
    expect(await f.usdc.balanceOf(f.flashKeeper)).to.equal(0n);
  });

  it("refuses a pair of other tokens, and zero addresses", async () => {
    const f = await loadFixture(fixture);
    const stranger = await ethers.deployContract("MockERC20", ["X", "X", 18]);
    const wrong = (await deployUniswapV2Pair(f.deployer, f.weth, stranger)).pair;
    const factory = await ethers.getContractFactory("PairFlashKeeper");
    await expect(factory.deploy(f.market, wrong, f.keeper.address))
      .to.be.revertedWithCustomError(factory, "FlashKeeperWrongPair")
      .withArgs(await wrong.getAddress());
    await expect(factory.deploy(ethers.ZeroAddress, f.pair, f.keeper.address)).to.be.revertedWithCustomError(
      factory,
      "FlashKeeperZeroAddress",
    );
    await expect(
      factory.deploy(f.market, ethers.ZeroAddress, f.keeper.address),
    ).to.be.revertedWithCustomError(factory, "FlashKeeperZeroAddress");
    // The market's debt token as token0 against a stranger as token1.
    let after = stranger;
    while (BigInt(await after.getAddress()) < BigInt(await f.usdc.getAddress()))
      after = await ethers.deployContract("MockERC20", ["X", "X", 18]);
    const half = (await deployUniswapV2Pair(f.deployer, f.usdc, after)).pair;
    await expect(factory.deploy(f.market, half, f.keeper.address))
      .to.be.revertedWithCustomError(factory, "FlashKeeperWrongPair")
      .withArgs(await half.getAddress());
  });
});
