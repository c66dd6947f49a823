import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { MockERC20 } from "../../../typechain-types";
import { amountOut, arbitrage, arbTrade } from "../../../src/sim/pool-math";
import { deployUniswapV2Pair, UNISWAP_V2_PAIR_RUNTIME_CODE } from "../../../src/sim/uniswap-v2";

const ETH = 10n ** 18n;
const USDC = 10n ** 6n;

/** The simulator's pool: Uniswap V2's own pair (npm artifacts), 100 WETH / 200,000 USDC, and its arbitrageur. */
describe("simulator pool: the Uniswap V2 pair from @uniswap/v2-core", function () {
  async function pairFixture() {
    const [owner, trader] = await ethers.getSigners();
    const weth = (await ethers.deployContract("MockERC20", [
      "Wrapped Ether",
      "WETH",
      18,
    ])) as unknown as MockERC20;
    const usdc = (await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as MockERC20;
    const v2 = await deployUniswapV2Pair(owner, weth, usdc);
    await weth.mint(v2.address, 100n * ETH);
    await usdc.mint(v2.address, 200_000n * USDC);
    await v2.contract.getFunction("mint")(owner.address);
    const wethIsToken0 = v2.token0 === (await weth.getAddress());
    const feed = await ethers.deployContract("MockV3Aggregator", [8, 2_000n * 10n ** 8n]);
    const arb = await ethers.deployContract("SimArbitrageur", [v2.address, feed], trader);
    await weth.mint(arb, 10n * ETH);
    await usdc.mint(arb, 10_000n * USDC);
    /** Reserves as (WETH, USDC). */
    const reserves = async (): Promise<[bigint, bigint]> => {
      const [r0, r1] = await v2.pair.getReserves();
      return wethIsToken0 ? [r0, r1] : [r1, r0];
    };
    return { v2, weth, usdc, trader, arb, feed, wethIsToken0, reserves };
  }

  it("is the package's pair: createPair leaves UniswapV2Pair.json's runtime code at the pair's address", async function () {
    const { v2 } = await loadFixture(pairFixture);
    expect(await ethers.provider.getCode(v2.address)).to.equal(UNISWAP_V2_PAIR_RUNTIME_CODE);
  });

  it("swap: 1 ETH into 100 ETH / 200,000 USDC pays 1e18 x 997 x 200,000e6 / (100e18 x 1000 + 997e18) USDC", async function () {
    const { arb, usdc, wethIsToken0, reserves } = await loadFixture(pairFixture);
    // 199,400,000 / 100,997 = 1,974.316068... USDC, rounded down to 1,974,316,068 units (0.3 % fee, price impact).
    await arb.flush(0, [wethIsToken0], [ETH]);
    expect(await usdc.balanceOf(arb)).to.equal(10_000n * USDC + 1_974_316_068n);
    expect(await reserves()).to.deep.equal([101n * ETH, 200_000n * USDC - 1_974_316_068n]);
  });

  it("swap: 1,000 USDC back pays 1,000e6 x 997 x 101e18 / (198,025.683932e6 x 1000 + 997e9) ETH, in the same flush", async function () {
    const { arb, weth, wethIsToken0, reserves, feed } = await loadFixture(pairFixture);
    // 100,697,000 / 199,022.683932 = 0.505957401491003424... ETH, rounded down. The feed gets its round first.
    await arb.flush(1_950n * 10n ** 8n, [wethIsToken0, !wethIsToken0], [ETH, 1_000n * USDC]);
    expect(await weth.balanceOf(arb)).to.equal(9n * ETH + 505_957_401_491_003_424n);
    expect((await reserves())[0]).to.equal(101n * ETH - 505_957_401_491_003_424n);
    expect((await feed.latestRoundData())[1]).to.equal(1_950n * 10n ** 8n);
  });

  it("pool-math amountOut is what the pair pays (one unit more fails the pair's K check)", async function () {
    const { v2, weth, trader, wethIsToken0 } = await loadFixture(pairFixture);
    for (const x of [10n ** 9n, 12_345n * 10n ** 12n, 3n * ETH]) {
      const out = amountOut(x, 100n * ETH, 200_000n * USDC);
      await weth.mint(trader, x);
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      await weth.connect(trader).transfer(v2.address, x);
      const over = wethIsToken0 ? ([0n, out + 1n] as const) : ([out + 1n, 0n] as const);
      await expect(v2.pair.connect(trader).swap(...over, trader.address, "0x")).to.be.revertedWith(
        "UniswapV2: K",
      );
      const exact = wethIsToken0 ? ([0n, out] as const) : ([out, 0n] as const);
      await expect(v2.pair.connect(trader).swap(...exact, trader.address, "0x")).to.emit(v2.contract, "Swap");
      await ethers.provider.send("evm_revert", [snapshot]);
    }
  });

  it("refuses a trade whose output rounds to zero (UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT): the simulator never sends one", async function () {
    const { v2, weth, trader } = await loadFixture(pairFixture);
    // 1 wei of WETH is worth 2e-9 USDC units: amountOut = 997 x 200,000e6 / (100e18 x 1000 + 997) = 0.
    expect(amountOut(1n, 100n * ETH, 200_000n * USDC)).to.equal(0n);
    await weth.mint(trader, 1n);
    await weth.connect(trader).transfer(v2.address, 1n);
    await expect(v2.pair.connect(trader).swap(0n, 0n, trader.address, "0x")).to.be.revertedWith(
      "UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT",
    );
  });

  it("arbTrade: buys collateral below the band, sells above it, nothing inside it, capped by capacity", function () {
    // Pool at 2,000 USDC per ETH (raw 2e-9 units per wei).
    const raw = (usd: number) => (usd * 1e6) / 1e18;
    // Reference 2,200: target 2,200 x 0.997 = 2,193.4; debt reserve to sqrt(k x target) = sqrt(100 x 200,000 x 2,193.4)
    // = 209,446.89 USDC, so about 9,446.89 USDC in.
    const up = arbTrade(100n * ETH, 200_000n * USDC, raw(2200), 10n ** 30n)!;
    expect(up.collateralIn).to.equal(false);
    expect(Number(up.amountIn) / 1e6).to.be.closeTo(9_446.89, 0.01);
    expect(arbTrade(100n * ETH, 200_000n * USDC, raw(2200), 1_000n * USDC)).to.deep.equal({
      collateralIn: false,
      amountIn: 1_000n * USDC,
    });
    // Reference 1,800: target 1,800 / 0.997 = 1,805.416; collateral reserve to sqrt(k / target) = 105.2510 ETH.
    const down = arbTrade(100n * ETH, 200_000n * USDC, raw(1800), 10n ** 30n)!;
    expect(down.collateralIn).to.equal(true);
    expect(Number(down.amountIn) / 1e18).to.be.closeTo(5.251, 0.0001);
    expect(arbTrade(100n * ETH, 200_000n * USDC, raw(2004), 10n ** 30n)).to.equal(null);
  });

  it("arbitrage: a trade whose output rounds to zero is marked, not sent (the pair would refuse it)", function () {
    // The pool a hair outside the band: the reference 1e-12 below the pool's price less the fee. The sale that
    // moves it back is sqrt(k / target) - R = 100e18 x (sqrt(1 + 1e-12) - 1) ≈ 5e7 wei, worth 5e7 x 2e-9 x 0.997
    // ≈ 0.1 units of USDC: zero after rounding down.
    const edge = ((200_000 * 1e6) / (100 * 1e18)) * 0.997 * (1 - 1e-12);
    const d = arbitrage(100n * ETH, 200_000n * USDC, edge, 10n ** 30n);
    expect(d.kind).to.equal("zeroOutput");
    if (d.kind !== "zeroOutput") return;
    expect(d.trade.collateralIn).to.equal(true);
    expect(Number(d.trade.amountIn)).to.be.closeTo(5e7, 1e5);
    expect(amountOut(d.trade.amountIn, 100n * ETH, 200_000n * USDC)).to.equal(0n);
    // Further out, the same direction pays: a trade, with the pair's own output.
    const far = arbitrage(100n * ETH, 200_000n * USDC, (2e9 / 1e18) * 0.99, 10n ** 30n);
    expect(far.kind).to.equal("trade");
    if (far.kind === "trade")
      expect(far.out).to.equal(amountOut(far.trade.amountIn, 100n * ETH, 200_000n * USDC));
    expect(arbitrage(100n * ETH, 200_000n * USDC, 2e-9, 10n ** 30n)).to.deep.equal({ kind: "none" });
  });
});
