import { expect } from "chai";
import { ethers } from "hardhat";
import { getCreateAddress } from "ethers";
import { deployLocalMarket } from "../../../scripts/lib/local-deployment";
import { createPositions, supplyLiquidity } from "../../../scripts/lib/positions";

describe("scripts/lib/local-deployment", () => {
  it("deploys every contract, lists the market in the factory with the given parameters, and returns addresses", async () => {
    const [, , , , , , , , , , , , , , , , deployer] = await ethers.getSigners();
    const d = await deployLocalMarket(deployer, { params: { stepIntervalSeconds: 0 } });
    expect(await d.factory.allMarkets()).to.deep.equal([d.addresses.market]);
    expect(await d.market.collateralToken()).to.equal(d.addresses.collateralToken);
    expect(await d.market.asset()).to.equal(d.addresses.debtToken);
    expect(await d.market.oracle()).to.equal(d.addresses.oracle);
    const p = await d.market.params();
    expect(p.stepIntervalSeconds).to.equal(0n);
    expect(p.minDebt).to.equal(100n * 10n ** 6n);
    expect((await d.market.priceState()).spotPriceWad).to.equal(2_000n * 10n ** 6n);
    expect(await d.lens.getAddress()).to.equal(d.addresses.lens);
    for (const a of Object.values(d.addresses)) expect(await ethers.provider.getCode(a)).not.to.equal("0x");
    expect(d.startBlock).to.be.greaterThan(0);
  });

  it("gives the same addresses to the same deployer nonce (a redeploy on a fresh node matches)", async () => {
    const deployer = ethers.Wallet.createRandom(ethers.provider);
    const [funder] = await ethers.getSigners();
    await (await funder.sendTransaction({ to: deployer.address, value: ethers.parseEther("10") })).wait();
    const d = await deployLocalMarket(deployer);
    // Deployment order: collateral, debt, feed, oracle, rate model, factory (nonce 5), createMarket, lens (7).
    expect(d.addresses.factory).to.equal(getCreateAddress({ from: deployer.address, nonce: 5 }));
    expect(d.addresses.lens).to.equal(getCreateAddress({ from: deployer.address, nonce: 7 }));
    expect(d.addresses.market).to.equal(getCreateAddress({ from: d.addresses.factory, nonce: 1 }));
  });

  it("seeds liquidity and opens positions in batches, each a registered borrower", async () => {
    const [deployer] = await ethers.getSigners();
    const d = await deployLocalMarket(deployer);
    await supplyLiquidity(d, deployer, 1_000_000n * d.debtUnit);
    const specs = Array.from({ length: 7 }, (_, i) => ({
      collateral: 10n * d.collateralUnit,
      debt: BigInt(10_000 + i) * d.debtUnit,
    }));
    const accounts = await createPositions(d, deployer, specs, { perTx: 3 });
    expect(accounts).to.have.length(7);
    expect(await d.market.borrowersSlice(0, 10)).to.deep.equal(accounts);
    // Borrowed 10,006; a few seconds of interest at most since.
    const debt = await d.market.debtOf(accounts[6]);
    expect(debt >= 10_006n * d.debtUnit && debt <= 10_006n * d.debtUnit + 100n).to.equal(true);
    expect(await d.market.collateralOf(accounts[0])).to.equal(10n * d.collateralUnit);
  });
});
