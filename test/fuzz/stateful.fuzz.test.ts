import fc from "fast-check";
import { DEFAULT_OPTIONS, Stats, describeFailure, fuzzProperty, setupEnv, type Env } from "./harness";

/**
 * The short stateful campaign of the default suite (invariants: test/fuzz/INVARIANTS.md). Fixed seeds replay the
 * same sequences on every run; one random seed, printed, explores new ones. The long campaign is
 * `npm run fuzz -- --runs N --seed S`.
 */
const FIXED_SEEDS = [1, 42, 20240611];
const RUNS_PER_SEED = 75;
const MAX_ACTIONS = 20;

describe("LendingMarket stateful fuzz (fast-check commands) [uninstrumented]", function () {
  this.timeout(110_000);
  let env: Env;
  const stats = new Stats();
  const randomSeed = Math.floor(Math.random() * 2 ** 31);
  console.log(
    `      stateful fuzz random seed: ${randomSeed} ` +
      `(replay: npm run fuzz -- --seed ${randomSeed} --runs ${RUNS_PER_SEED} --max-actions ${MAX_ACTIONS})`,
  );

  before(async () => {
    env = await setupEnv();
  });

  after(() => {
    console.log(`      stateful fuzz: ${stats.sequences} sequences, ${stats.actions} actions`);
  });

  for (const seed of [...FIXED_SEEDS, randomSeed]) {
    it(`keeps INV-1..INV-8 over ${RUNS_PER_SEED} sequences of up to ${MAX_ACTIONS} actions (seed ${seed})`, async () => {
      const opts = { ...DEFAULT_OPTIONS, maxActions: MAX_ACTIONS };
      const details = await fc.check(fuzzProperty(env, opts, stats), { seed, numRuns: RUNS_PER_SEED });
      if (details.failed) throw new Error(describeFailure(details, env));
    });
  }
});
