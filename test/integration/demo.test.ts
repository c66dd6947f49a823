import { expect } from "chai";
import hre from "hardhat";
import { runDemo, type DemoResult } from "../../scripts/lib/demo";
import { Zone } from "../../src/sdk/types";
import { wadMulDown } from "../../src/sdk/math";

const sum = (r: DemoResult, f: (s: DemoResult["steps"][number]) => bigint) =>
  r.steps.reduce((a, s) => a + f(s), 0n);

describe("npm run demo (scripts/lib/demo.ts)", () => {
  let r: DemoResult;

  before(async () => {
    r = await runDemo(hre);
  });

  it("unwinds positions in soft steps, then closes the ones the gap pushed past hardLtv", () => {
    const soft = r.steps.filter((s) => s.zone === Zone.Soft);
    const hard = r.steps.filter((s) => s.zone === Zone.Hard);
    expect(soft.length).to.be.greaterThan(0);
    expect(hard.length).to.be.greaterThan(0);
    expect(soft.length + hard.length).to.equal(r.steps.length);
    for (const s of r.steps) expect(s.borrower).to.be.within(0, r.borrowers.length - 1);
  });

  it("lowers the LTV with every soft step, from the soft zone", () => {
    for (const s of r.steps.filter((x) => x.zone === Zone.Soft)) {
      expect(s.ltvBeforeWad).to.be.gte(r.softLtvWad).and.lt(r.hardLtvWad);
      expect(s.ltvAfterWad).to.be.lt(s.ltvBeforeWad);
    }
  });

  it("closes hard-zone positions in full", () => {
    for (const s of r.steps.filter((x) => x.zone === Zone.Hard)) {
      expect(s.ltvBeforeWad).to.be.gte(r.hardLtvWad);
      expect(s.ltvAfterWad).to.equal(0n);
      expect(r.final[s.borrower].debt).to.equal(0n);
    }
  });

  it("moves exactly the seized collateral from the market to the keeper", () => {
    const seized = sum(r, (s) => s.seized);
    expect(r.before.collateral - r.after.collateral).to.equal(seized);
    expect(r.after.keeperCollateral - r.before.keeperCollateral).to.equal(seized);
  });

  it("takes exactly repaid - tip from the keeper into the market's cash, and the tips from reserves", () => {
    const paid = sum(r, (s) => s.repaid - s.tip);
    expect(r.before.keeperDebtTokens - r.after.keeperDebtTokens).to.equal(paid);
    expect(r.after.cash - r.before.cash).to.equal(paid);
    expect(r.before.reserves + r.reserveShare - r.after.reserves).to.equal(sum(r, (s) => s.tip));
  });

  it("lowers the market's debt by what was repaid (plus interest accrued, no bad debt)", () => {
    expect(r.badDebt).to.equal(0n);
    const drop = r.before.debt + r.interest - r.after.debt;
    const repaid = sum(r, (s) => s.repaid);
    // A partial step credits normalised debt rounded down (debt falls by at most `repaid`, and by at least
    // `repaid` minus two base units); a full close removes the position's whole debt, equal to `repaid`.
    expect(drop)
      .to.be.lte(repaid)
      .and.gte(repaid - 2n * BigInt(r.steps.length));
  });

  it("pays the keeper the schedule's incentive: fee = seized at the oracle price - (repaid - tip)", () => {
    for (const s of r.steps) {
      expect(s.keeperFee).to.equal(wadMulDown(s.seized, s.priceWad) - (s.repaid - s.tip));
      expect(s.keeperFee).to.be.gt(0n);
    }
    expect(r.keeperTransactions).to.equal(r.steps.length);
    expect(r.keeperGasUsed).to.be.gt(0n);
  });

  it("ends with no position at or above hardLtv", () => {
    for (const p of r.final) {
      expect(p.zone).to.not.equal(Zone.Hard);
      if (p.debt > 0n) expect(p.ltvWad).to.be.lt(r.hardLtvWad);
    }
    expect(r.final.length).to.equal(r.borrowers.length);
  });
});
