import { expect } from "chai";
import { readFileSync } from "node:fs";
import { SimKeeper__factory } from "../../../typechain-types";
import { calldata } from "../../../src/sim/calls";
import { familyCells } from "../../../src/sim/families";
import { ScenarioFileError, validateScenarioFile } from "../../../src/sim/validate";

const shipped = () => JSON.parse(readFileSync("sim/scenarios.json", "utf8"));

/** Validates the shipped file with one change; returns the error's message ("" when valid). */
function problem(edit: (f: any) => void): string {
  const f = shipped();
  edit(f);
  try {
    validateScenarioFile(f, "scenarios.json");
    return "";
  } catch (e) {
    expect(e).to.be.instanceOf(ScenarioFileError);
    return (e as Error).message;
  }
}

describe("simulator: scenario files are validated before anything runs", () => {
  it("accepts the shipped file", () => {
    expect(problem(() => undefined)).to.equal("");
  });

  it("names the field of each kind of mistake", () => {
    const cases: [(f: any) => void, string][] = [
      [
        (f) => (f.scenarios.wick.keyframes[2][0] = 500),
        "scenarios.wick.keyframes[2][0]: keyframe times must increase: 500 after 600",
      ],
      [
        (f) => (f.scenarios.wick.keyframes[0][0] = 5),
        "scenarios.wick.keyframes[0][0]: the first keyframe must be at 0 s, got 5",
      ],
      [
        (f) => (f.scenarios.wick.keyframes[1][1] = 0),
        "scenarios.wick.keyframes[1][1]: must be above 0, got 0",
      ],
      [
        (f) => (f.scenarios.crash.keyframes[1][1] = 0.0001),
        "scenarios.crash.keyframes[1][1]: gives a price of $0.2, outside the oracle's $1 to $1000000",
      ],
      [
        (f) => (f.scenarios.orderly.tickSeconds = 0),
        "scenarios.orderly.tickSeconds: must be at least 1, got 0",
      ],
      [
        (f) => (f.scenarios.orderly.tickSeconds = 2.5),
        "scenarios.orderly.tickSeconds: must be an integer, got 2.5",
      ],
      [
        (f) => (f.scenarios.orderly.durationSeconds = 100),
        "scenarios.orderly.durationSeconds: must be at least 300, got 100",
      ],
      [
        (f) => (f.scenarios.mc80.depths = ["medium"]),
        'scenarios.mc80.depths[0]: must be one of thin, deep, got "medium"',
      ],
      [
        (f) => (f.scenarios.mc80.targets = ["noBadDebt"]),
        "scenarios.mc80.targets[0]: must be one of wickNoRecoveredUnwound",
      ],
      [
        (f) => (f.scenarios.mc80.kind = "brownian"),
        'scenarios.mc80.kind: must be one of keyframes, gbm, got "brownian"',
      ],
      [(f) => (f.scenarios.mc80.paths = 0), "scenarios.mc80.paths: must be at least 1, got 0"],
      [(f) => (f.defaults.ltvRange = [0.5, 0.9]), "defaults.ltvRange[1]: must be at most 0.75, got 0.9"],
      [
        (f) => (f.defaults.feedHeartbeatSeconds = 7200),
        "defaults.feedHeartbeatSeconds: must be at most 3600, got 7200",
      ],
      [(f) => delete f.defaults.borrowers, "defaults.borrowers: must be a number, got undefined"],
      [
        (f) => (f.tradeoff.wickScenario = "spike"),
        'tradeoff.wickScenario: must be one of orderly, wick, crash, mc80, mc150, got "spike"',
      ],
      [
        (f) => (f.families.wicks.fallSeconds[0] = 4000),
        "families.wicks.fallSeconds[0]: must be at most 3599, got 4000",
      ],
      [
        (f) => (f.families.crashes.falls[1].drop = 1.2),
        "families.crashes.falls[1].drop: must be at most 0.99, got 1.2",
      ],
      [(f) => (f.families.crashes.seeds = []), "families.crashes.seeds: must hold at least 1 item(s)"],
      [
        (f) => (f.families["monte-carlo"].scenarios = ["mc300"]),
        "families.monte-carlo.scenarios[0]: must be one of orderly",
      ],
      [
        (f) => (f.families.wick = f.families.wicks),
        "families.wick: a family's name must not be a scenario's",
      ],
    ];
    for (const [edit, message] of cases) expect(problem(edit)).to.contain(`scenarios.json: ${message}`);
  });

  it("expands the families into the issue's cells", () => {
    const f = validateScenarioFile(shipped());
    const wicks = familyCells(f, "wicks");
    expect(wicks.map((c) => c.name)).to.have.length(16);
    expect(wicks[5].name).to.equal("wicks/20pct-300s");
    expect((wicks[5].scenario as { keyframes: unknown }).keyframes).to.deep.equal([
      [0, 1],
      [300, 0.8],
      [3600, 1],
      [7200, 1],
    ]);
    const crashes = familyCells(f, "crashes");
    expect(crashes).to.have.length(24);
    expect(crashes.map((c) => c.gasPriceGwei)).to.deep.equal([
      ...Array(8).fill(1),
      ...Array(8).fill(10),
      ...Array(8).fill(30),
    ]);
    expect(crashes[7].name).to.equal("crashes/30pct-1800s-1gwei");
    expect(crashes[3].scenario.durationSeconds).to.equal(2700 + 10800);
    expect(familyCells(f, "monte-carlo").map((c) => c.name)).to.deep.equal(["mc80", "mc150"]);
  });
});

describe("simulator: hand-written calldata", () => {
  it("SimKeeper.run calldata equals the generic ABI coder's", () => {
    const iface = SimKeeper__factory.createInterface();
    for (const n of [0, 1, 3]) {
      const accounts = Array.from(
        { length: n },
        (_, i) => `0x${(0xabcdef0123n + BigInt(i)).toString(16).padStart(40, "0")}`,
      );
      const repays = accounts.map((_, i) => 10n ** 30n + BigInt(i));
      const profits = accounts.map((_, i) => BigInt(i) * 7n);
      expect(calldata.keeperRun(accounts, repays, profits)).to.equal(
        iface.encodeFunctionData("run", [accounts, repays, profits]),
      );
    }
  });
});
