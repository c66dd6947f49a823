import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { MockERC20, SimPool } from "../../../typechain-types";
import { amountOut, arbTrade } from "../../../src/sim/pool-math";

const ETH = 10n ** 18n;
const USDC = 10n ** 6n;

describe("SimPool", function () {
  async function poolFixture() {
    const [owner, trader] = await ethers.getSigners();
    const weth = (await ethers.deployContract("MockERC20", [
      "Wrapped Ether",
      "WETH",
      18,
    ])) as unknown as MockERC20;
    const usdc = (await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as MockERC20;
    const pool = (await ethers.deployContract("SimPool", [weth, usdc])) as unknown as SimPool;
    await weth.mint(owner, 100n * ETH);
    await usdc.mint(owner, 200_000n * USDC);
    await weth.approve(pool, ethers.MaxUint256);
    await usdc.approve(pool, ethers.MaxUint256);
    await pool.addLiquidity(100n * ETH, 200_000n * USDC);
    await weth.mint(trader, 10n * ETH);
    await usdc.mint(trader, 10_000n * USDC);
    await weth.connect(trader).approve(pool, ethers.MaxUint256);
    await usdc.connect(trader).approve(pool, ethers.MaxUint256);
    return { pool, weth, usdc, trader };
  }

  it("swap: 1 ETH into 100 ETH / 200,000 USDC pays 1e18 x 997 x 200,000e6 / (100e18 x 1000 + 997e18) USDC", async function () {
    const { pool, usdc, trader } = await loadFixture(poolFixture);
    // 199,400,000 / 100,997 = 1,974.316068... USDC, rounded down to 1,974,316,068 units (0.3 % fee, price impact).
    await expect(pool.connect(trader).swap(true, ETH, 0, trader))
      .to.emit(pool, "Swapped")
      .withArgs(trader.address, true, ETH, 1_974_316_068n);
    expect(await usdc.balanceOf(trader)).to.equal(10_000n * USDC + 1_974_316_068n);
    expect(await pool.reserves()).to.deep.equal([101n * ETH, 200_000n * USDC - 1_974_316_068n]);
  });

  it("swap: 1,000 USDC back into the pool pays 1,000e6 x 997 x 101e18 / (198,025.683932e6 x 1000 + 997e9) ETH", async function () {
    const { pool, weth, trader } = await loadFixture(poolFixture);
    await pool.connect(trader).swap(true, ETH, 0, trader);
    // 100,697,000 / 199,022.683932 = 0.505957401491003424... ETH, rounded down.
    await pool.connect(trader).swap(false, 1_000n * USDC, 0, trader);
    expect(await weth.balanceOf(trader)).to.equal(9n * ETH + 505_957_401_491_003_424n);
    expect(await pool.reserveCollateral()).to.equal(101n * ETH - 505_957_401_491_003_424n);
  });

  it("swap: reverts SimPoolSlippage below minOut and SimPoolZeroAmount on a zero input", async function () {
    const { pool, trader } = await loadFixture(poolFixture);
    await expect(pool.connect(trader).swap(true, ETH, 1_974_316_069n, trader))
      .to.be.revertedWithCustomError(pool, "SimPoolSlippage")
      .withArgs(1_974_316_068n, 1_974_316_069n);
    await expect(pool.connect(trader).swap(true, 0, 0, trader)).to.be.revertedWithCustomError(
      pool,
      "SimPoolZeroAmount",
    );
  });

  it("pool-math amountOut gives the contract's output", async function () {
    const { pool } = await loadFixture(poolFixture);
    for (const x of [1n, 12_345n * 10n ** 12n, 3n * ETH, 250n * ETH]) {
      expect(amountOut(x, 100n * ETH, 200_000n * USDC)).to.equal(await pool.getAmountOut(x, true));
    }
    expect(amountOut(5_000n * USDC, 200_000n * USDC, 100n * ETH)).to.equal(
      await pool.getAmountOut(5_000n * USDC, false),
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
});
