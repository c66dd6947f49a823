import { expect } from "chai";
import {
  CODE_SIZE_LIMIT,
  compareSnapshots,
  formatCodeSizes,
  formatComparison,
  formatTable,
  formatTargets,
  headroomProblems,
  ratio,
} from "../../../scripts/lib/gas";

describe("scripts/lib/gas", () => {
  it("passes figures within the tolerance and reports rises above it, new and missing figures", () => {
    const committed = { a: 100_000, b: 50_000, gone: 1 };
    expect(compareSnapshots({ a: 100_000 }, { a: 101_000n }, 0.01)).to.deep.equal([]);
    expect(compareSnapshots(committed, { a: 101_001n, b: 40_000n, fresh: 7n }, 0.01)).to.deep.equal([
      "  a: 100000 -> 101001 (+1.00 %)",
      "  new figure not in the snapshot: fresh = 7",
      "  figure no longer measured: gone",
    ]);
  });

  it("formats the gas table and the code sizes with their headroom under 24,576 bytes", () => {
    expect(formatTable({ step: 118_000n })).to.equal(
      "| call | gas used |\n| --- | ---: |\n| step | 118,000 |",
    );
    expect(formatCodeSizes({ LendingMarket: 20_285 })).to.equal(
      "| contract | code size (bytes) | headroom under 24,576 |\n| --- | ---: | ---: |\n" +
        "| LendingMarket | 20,285 | 4,291 |",
    );
  });

  it("reports a contract whose headroom is below its minimum, or whose size was not measured", () => {
    const sizes = { LendingMarket: CODE_SIZE_LIMIT - 2_048, Lens: 10 };
    expect(headroomProblems(sizes, { LendingMarket: 2_048 })).to.deep.equal([]);
    expect(headroomProblems(sizes, { LendingMarket: 2_049, Other: 1 })).to.deep.equal([
      "  LendingMarket: 2048 bytes of headroom, below the 2049 required",
      "  Other: code size not measured",
    ]);
  });

  it("puts our figures beside the anchor's with the ratio, and refuses a row without a figure", () => {
    expect(ratio(117_897n, 104_722n)).to.equal("1.13");
    const rows = { "step (following)": "liquidate 10 % (second)" };
    expect(
      formatComparison({ "step (following)": 118_000n }, { "liquidate 10 % (second)": 104_722n }, rows),
    ).to.equal(
      "| call | ours | Morpho Blue call | Morpho Blue | ours / Morpho |\n| --- | ---: | --- | ---: | ---: |\n" +
        "| step (following) | 118,000 | liquidate 10 % (second) | 104,722 | 1.13 |",
    );
    expect(() => formatComparison({}, { "liquidate 10 % (second)": 1n }, rows)).to.throw(
      "comparison: no figure for step (following) / liquidate 10 % (second)",
    );
  });

  it("says which targets are met and by how much the others are missed", () => {
    expect(
      formatTargets([
        { name: "a", figure: 90_000n, limit: 90_000n },
        { name: "b", figure: 118_001n, limit: 117_897n, basis: "anchor + read" },
      ]),
    ).to.equal(
      "| target | gas | limit | |\n| --- | ---: | --- | --- |\n| a | 90,000 | ≤ 90,000 | met |\n" +
        "| b | 118,001 | ≤ 117,897 (anchor + read) | missed by 104 |",
    );
  });
});
