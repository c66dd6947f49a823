import { expect } from "chai";
import {
  coverageFailures,
  coverageTable,
  productCoverage,
  type IstanbulFile,
} from "../../../scripts/lib/coverage-check";

const ROOT = "/repo";

/** A file with statements on `lines` (hit counts `hits`) and one two-armed branch per entry of `branches`. */
function file(
  path: string,
  lines: number[],
  hits: number[],
  branches: [number, number[]][] = [],
): IstanbulFile {
  return {
    path: `${ROOT}/${path}`,
    statementMap: Object.fromEntries(
      lines.map((l, i) => [String(i), { start: { line: l }, end: { line: l } }]),
    ),
    s: Object.fromEntries(hits.map((h, i) => [String(i), h])),
    branchMap: Object.fromEntries(branches.map(([line], i) => [String(i), { line }])),
    b: Object.fromEntries(branches.map(([, arms], i) => [String(i), arms])),
    l: Object.fromEntries(lines.map((l, i) => [String(l), hits[i]])),
  };
}

describe("scripts/lib/coverage-check", () => {
  it("keeps product contracts only, relative to the root and sorted", () => {
    const rows = productCoverage(
      {
        a: file("contracts/mocks/MockERC20.sol", [1], [0]),
        b: file("contracts/sim/SimKeeper.sol", [1], [0]),
        c: file("contracts/oracles/ChainlinkPriceOracle.sol", [3, 4], [1, 2]),
        d: file("contracts/core/LendingMarket.sol", [10], [5]),
      },
      ROOT,
    );
    expect(rows.map((r) => r.file)).to.deep.equal([
      "contracts/core/LendingMarket.sol",
      "contracts/oracles/ChainlinkPriceOracle.sol",
    ]);
    expect(coverageFailures(rows)).to.deep.equal([]);
  });

  it("names every uncovered line and every branch with an arm never taken", () => {
    const rows = productCoverage(
      {
        m: file(
          "contracts/core/LendingMarket.sol",
          [10, 11, 12, 20],
          [3, 0, 1, 0],
          [
            [12, [1, 0]],
            [15, [2, 2]],
            [20, [0, 0]],
          ],
        ),
      },
      ROOT,
    );
    expect(rows[0].lines).to.deep.equal({ covered: 2, total: 4 });
    expect(rows[0].branches).to.deep.equal({ covered: 3, total: 6 });
    expect(coverageFailures(rows)).to.deep.equal([
      "contracts/core/LendingMarket.sol: lines 2/4, uncovered: 11, 20; " +
        "branches 3/6, not every arm taken at lines: 12, 20",
    ]);
    expect(coverageTable(rows)).to.equal(
      [
        "file                              lines %  branches %",
        "contracts/core/LendingMarket.sol    50.00       50.00",
      ].join("\n"),
    );
  });

  it("derives line hits from statements when the report has no per-line counts", () => {
    const f = file("contracts/core/KinkedRateModel.sol", [5, 5, 6], [0, 1, 0]);
    delete f.l;
    const [row] = productCoverage({ f }, ROOT);
    expect(row.lines).to.deep.equal({ covered: 1, total: 2 });
    expect(row.uncoveredLines).to.deep.equal([6]);
  });
});
