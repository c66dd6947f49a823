import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { runPath, type RunResult } from "../../../src/sim/engine";
import {
  booksResiduals,
  checkBooks,
  describeFailure,
  runJob,
  WorldCache,
  type Job,
} from "../../../src/sim/jobs";
import { POLICIES, policyParams } from "../../../src/sim/policies";
import { keyframeAt, loadScenarios, type PricePath, type SimDefaults } from "../../../src/sim/scenarios";
import { setupWorld, type World } from "../../../src/sim/world";

/** The shipped defaults with a small population (8 borrowers), both pools. */
const defaults: SimDefaults = { ...loadScenarios("sim/scenarios.json").defaults, borrowers: 8, seed: 7 };

function path(
  name: string,
  frames: [number, number][],
  tickSeconds: number,
  durationSeconds: number,
): PricePath {
  const n = Math.floor(durationSeconds / tickSeconds);
  const prices = Array.from(
    { length: n + 1 },
    (_, k) => defaults.initialPrice * keyframeAt(frames, k * tickSeconds),
  );
  return { name, tickSeconds, prices };
}

/** Every policy's run in `depth` completes and its books balance. */
async function everyPolicy(w: World, p: PricePath, depth: string): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const policy of POLICIES) {
    const run = await runPath(w, p, policyParams(policy), depth);
    checkBooks(run);
    const r = booksResiduals(run);
    expect(r.collateral, `${policy}: collateral seized = sold + held`).to.equal(0n);
    expect(r.positions, `${policy}: collateral left the positions = seized`).to.equal(0n);
    runs.push(run);
  }
  return runs;
}

describe("simulator robustness: any path the format allows completes, and the books balance [uninstrumented]", function () {
  let world: World;
  let before0: string;

  before(async function () {
    before0 = (await network.provider.request({ method: "evm_snapshot" })) as string;
    world = await setupWorld(defaults, ["thin", "deep"]);
  });

  after(async function () {
    await network.provider.request({ method: "evm_revert", params: [before0] });
  });

  it("a steep fall: -60 % over 75 min, then flat (the issue's first shape), in both pools", async function () {
    const p = path(
      "steep",
      [
        [0, 1],
        [4500, 0.4],
        [7200, 0.4],
      ],
      60,
      7200,
    );
    for (const depth of ["thin", "deep"]) {
      const runs = await everyPolicy(world, p, depth);
      // Every position with debt is unwound or closed at some point in a -60 % fall (LTV 40 %+ doubles and more).
      for (const run of runs) expect(run.steps.length).to.be.greaterThan(0);
    }
  });

  it("sudden steps: -10 % at once every 15 min (the issue's second shape), in both pools", async function () {
    const frames: [number, number][] = [[0, 1]];
    for (let k = 1; k <= 5; k++) frames.push([900 * k - 1, 1 - 0.1 * (k - 1)], [900 * k, 1 - 0.1 * k]);
    frames.push([5400, 0.5]);
    const p = path("steps", frames, 60, 5400);
    expect(p.prices[15]).to.equal(defaults.initialPrice * 0.9);
    for (const depth of ["thin", "deep"]) await everyPolicy(world, p, depth);
  });

  it("random keyframe paths (jumps, falls to -90 %, long flats, recoveries above the start): every policy completes and balances", async function () {
    // A path of 2 to 5 segments, each a jump (the next frame one second later) or a ramp, to a multiplier of 0.1
    // to 1.6, and a flat to the end; 5-minute ticks over up to 3 h.
    const segment = fc.record({
      jump: fc.boolean(),
      seconds: fc.integer({ min: 1, max: 6 }).map((x) => x * 300),
      to: fc.integer({ min: 10, max: 160 }).map((x) => x / 100),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 2, maxLength: 5 }),
        fc.constantFrom("thin", "deep"),
        async (segments, depth) => {
          const frames: [number, number][] = [[0, 1]];
          let t = 0;
          for (const s of segments) {
            const last = frames[frames.length - 1][1];
            if (s.jump) frames.push([t + s.seconds - 1, last]);
            t += s.seconds;
            frames.push([t, s.to]);
          }
          frames.push([t + 1800, frames[frames.length - 1][1]]);
          await everyPolicy(world, path("random", frames, 300, t + 1800), depth);
        },
      ),
      { numRuns: 6, seed: 20261207, endOnFailure: true },
    );
  });

  it("a failing run is returned with where it failed, and the next run of the same worker still completes", async function () {
    const worlds = new WorldCache(defaults, ["thin"]);
    const p = path(
      "short",
      [
        [0, 1],
        [600, 0.8],
      ],
      60,
      600,
    );
    const job = (id: number, params: Job["params"]): Job => ({
      id,
      scenario: "short",
      policy: id === 0 ? "broken" : "ours",
      depth: "thin",
      seed: 7,
      gasPriceGwei: 1,
      path: p,
      params,
      recovery: "end",
      detail: false,
    });
    // softLtv above hardLtv: setParams reverts before the first tick.
    const bad = await runJob(worlds, job(0, { ...policyParams("ours"), softLtvBps: 9500 }));
    expect(bad.ok).to.equal(false);
    if (bad.ok) return;
    expect(bad.error.tick).to.equal(-1);
    expect(bad.error.message).to.match(/MarketInvalidParams/);
    expect(describeFailure(job(0, policyParams("ours")), bad.error)).to.match(
      /^run failed: scenario short, policy broken, thin pool, seed 7, gas 1 gwei, before the first tick: /,
    );
    const good = await runJob(worlds, job(1, policyParams("ours")));
    expect(good.ok).to.equal(true);
  });
});
