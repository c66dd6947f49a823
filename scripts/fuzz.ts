/**
 * The long stateful campaign (invariants: test/fuzz/INVARIANTS.md):
 *   npm run fuzz -- --runs N --seed S [--max-actions 50] [--world 0|1] [--path P --replay-path R]
 * Prints sequences/s, actions executed and actions/s, and any counterexample shrunk to its minimal form with the
 * seed and path that replay it.
 */
process.env.HARDHAT_NETWORK ||= "hardhat";

import fc from "fast-check";
import {
  DEFAULT_OPTIONS,
  Stats,
  describeFailure,
  fuzzProperty,
  setupEnv,
  type FuzzOptions,
} from "../test/fuzz/harness";

interface Args {
  runs: number;
  seed: number;
  maxActions: number;
  world?: number;
  path?: string;
  replayPath?: string;
  noZero: boolean;
  noTiny: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got ${v}`);
    return n;
  };
  const world = get("world");
  return {
    runs: num("runs", 1000),
    seed: num("seed", Math.floor(Math.random() * 2 ** 31)),
    maxActions: num("max-actions", 50),
    world: world === undefined ? undefined : Number(world),
    path: get("path"),
    replayPath: get("replay-path"),
    noZero: argv.includes("--no-zero-repay"),
    noTiny: argv.includes("--no-tiny-repay"),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));

  const opts: FuzzOptions = {
    ...DEFAULT_OPTIONS,
    maxActions: args.maxActions,
    world: args.world,
    zeroRepay: !args.noZero,
    tinyRepay: !args.noTiny,
  };
  console.log(`fuzz: seed ${args.seed}, ${args.runs} runs, up to ${args.maxActions} actions, options`, opts);
  const setupStart = performance.now();
  const env = await setupEnv();
  console.log(`set-up (two worlds): ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

  const stats = new Stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lastReport = t0;
  const progress = setInterval(() => {
    const now = performance.now();
    if (now - lastReport < 30_000) return;
    lastReport = now;
    const s = (now - t0) / 1000;
    console.log(
      `  ... ${stats.sequences} sequences, ${stats.actions} actions, ${(stats.actions / s).toFixed(0)} actions/s`,
    );
  }, 5_000);
  const details = await fc.check(fuzzProperty(env, opts, stats, args.replayPath), {
    seed: args.seed,
    numRuns: args.runs,
    path: args.path,
  });
  clearInterval(progress);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  console.log("\n== campaign");
  console.log(`sequences: ${stats.sequences} (${details.numRuns} runs + ${details.numShrinks} shrinks)`);
  console.log(`actions executed: ${stats.actions}, transactions: ${env.chain.txCount}`);
  console.log(`wall time: ${seconds.toFixed(1)} s, process CPU time: ${cpuSeconds.toFixed(1)} s`);
  console.log(`sequences/s: ${(stats.sequences / seconds).toFixed(2)}`);
  console.log(
    `actions/s: ${(stats.actions / seconds).toFixed(1)} (per CPU-second: ${(stats.actions / cpuSeconds).toFixed(1)})`,
  );
  console.log("\n== coverage (actions)");
  for (const [k, v] of [...stats.byCommand].sort()) console.log(`  ${k.padEnd(22)} ${v}`);
  console.log("== coverage (outcomes)");
  for (const [k, v] of [...stats.outcomes].sort()) console.log(`  ${k.padEnd(60)} ${v}`);

  if (details.failed) {
    console.log(`\n== INVARIANT BROKEN\n${describeFailure(details, env)}`);
    process.exitCode = 1;
  } else {
    console.log(`\nno invariant broken (seed ${args.seed})`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
