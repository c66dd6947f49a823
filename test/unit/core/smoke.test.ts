import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { defaultMarketFixture } from "../../helpers/fixtures";

describe("smoke", () => {
  it("walks a position through soft and hard", async () => {
    const f = await loadFixture(defaultMarketFixture);
    const { market, alice, keeper, setAnswer } = f;
    await market.connect(alice).supplyCollateral(alice.address, 10n * f.collateralUnit);
    await market.connect(alice).borrow(15_000n * f.debtUnit, alice.address); // LTV 0.75 at 2000
    console.log(await market.positionState(alice.address));
    await setAnswer(1_850n * 10n ** 8n); // ltv 0.8108
    for (let i = 0; i < 20; i++) {
      await time.increase(180);
      await setAnswer(1_850n * 10n ** 8n);
      await market.updatePriceState();
    }
    console.log(await market.previewLiquidationStep(alice.address, 2n ** 256n - 1n));
    await time.increase(1800);
    await setAnswer(1_850n * 10n ** 8n);
    const p = await market.previewLiquidationStep(alice.address, 2n ** 256n - 1n);
    console.log(p);
    const tx = await market.connect(keeper).liquidationStep(alice.address, 2n ** 256n - 1n, 0, "0x");
    const rc = await tx.wait();
    console.log("gas", rc!.gasUsed);
    console.log(await market.positionState(alice.address));
    await setAnswer(1_500n * 10n ** 8n);
    const tx2 = await market.connect(keeper).liquidationStep(alice.address, 2n ** 256n - 1n, 0, "0x");
    console.log("gas2", (await tx2.wait())!.gasUsed);
    console.log(await market.positionState(alice.address));
    expect(await market.debtOf(alice.address)).to.equal(0n);
  });
});
