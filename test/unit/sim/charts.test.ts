import { expect } from "chai";
import { tradeoffPoints } from "../../../src/sim/charts";

describe("simulator: trade-off chart points", () => {
  it("merges delays with identical outcomes into one point and keeps labels off the x axis", () => {
    const rows = [
      { confirm: 0, recovered: 40, badDebt: 100_748.4 },
      { confirm: 300, recovered: 20, badDebt: 101_250 },
      { confirm: 900, recovered: 0, badDebt: 131_727.2 },
      { confirm: 1800, recovered: 0, badDebt: 154_364 },
      { confirm: 3600, recovered: 0, badDebt: 154_364.4 },
    ];
    expect(tradeoffPoints(rows, 900)).to.deep.equal([
      {
        above: true,
        confirmMinutes: 0,
        recoveredUnwound: 40,
        badDebt: 100_748,
        label: "0 min",
        isDefault: false,
      },
      {
        above: false,
        confirmMinutes: 5,
        recoveredUnwound: 20,
        badDebt: 101_250,
        label: "5 min",
        isDefault: false,
      },
      {
        above: true,
        confirmMinutes: 15,
        recoveredUnwound: 0,
        badDebt: 131_727,
        label: "15 min (default)",
        isDefault: true,
      },
      {
        above: true,
        confirmMinutes: 30,
        recoveredUnwound: 0,
        badDebt: 154_364,
        label: "30, 60 min",
        isDefault: false,
      },
    ]);
  });
});
