/**
 * The long stateful campaign (invariants: test/fuzz/INVARIANTS.md):
 *   npm run fuzz -- --runs N --seed S [--backend hardhat|anvil] [--max-actions 50] [--world 0|1]
 *                   [--path P --replay-path R] [--stats-json FILE]
 * `--backend hardhat` (default) runs on Hardhat's in-process network; `--backend anvil` spawns anvil on a free
 * loopback port (scripts/lib/anvil.ts), runs the same harness on it over HTTP, and stops it at the end. Prints
 * sequences/s, actions executed and actions/s, per wall-clock second and per CPU-second (this process plus the
 * anvil child), and any counterexample shrunk to its minimal form with the seed and path that replay it.
 * `--stats-json` also writes the campaign's counts (no timings) as JSON: the same seed gives the same counts on
 * both backends (test/fuzz/backends.fuzz.test.ts).
 */
import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { processCpuSeconds, startAnvil, type AnvilNode } from "./lib/anvil";
import { LOCALHOST_URL_ENV } from "../src/deploy/networks";
import type { Backend, FuzzOptions } from "../test/fuzz/harness";

interface Args {
  backend: Backend;
  runs: number;
  seed: number;
  maxActions: number;
  world?: number;
  path?: string;
  replayPath?: string;
  statsJson?: string;
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
  const backend = get("backend") ?? "hardhat";
  if (backend !== "hardhat" && backend !== "anvil") {
    throw new Error(`--backend must be hardhat or anvil, got ${backend}`);
  }
  return {
    backend,
    runs: num("runs", 1000),
    seed: num("seed", Math.floor(Math.random() * 2 ** 31)),
    maxActions: num("max-actions", 50),
    world: world === undefined ? undefined : Number(world),
    path: get("path"),
    replayPath: get("replay-path"),
    statsJson: get("stats-json"),
    noZero: argv.includes("--no-zero-repay"),
    noTiny: argv.includes("--no-tiny-repay"),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let anvil: AnvilNode | undefined;
  if (args.backend === "anvil") {
    anvil = await startAnvil();
    process.env.HARDHAT_NETWORK = "localhost";
    process.env[LOCALHOST_URL_ENV] = anvil.url;
  } else {
    process.env.HARDHAT_NETWORK = "hardhat";
  }
  try {
    await campaign(args, anvil);
  } finally {
    await anvil?.stop();
  }
}

async function campaign(args: Args, anvil: AnvilNode | undefined): Promise<void> {
  // Loaded only now: loading Hardhat fixes the network it runs on (HARDHAT_NETWORK, set above).
  const { DEFAULT_OPTIONS, Stats, describeFailure, fuzzProperty, setupEnv } =
    await import("../test/fuzz/harness");
  const opts: FuzzOptions = {
    ...DEFAULT_OPTIONS,
    maxActions: args.maxActions,
    world: args.world,
    zeroRepay: !args.noZero,
    tinyRepay: !args.noTiny,
  };
  const where = anvil ? `anvil at ${anvil.url} (pid ${anvil.pid})` : "Hardhat's in-process network";
  console.log(`fuzz: backend ${args.backend}, ${where}`);
  console.log(`fuzz: seed ${args.seed}, ${args.runs} runs, up to ${args.maxActions} actions, options`, opts);
  const setupStart = performance.now();
  const env = await setupEnv();
  console.log(`set-up (two worlds): ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

  const stats = new Stats();
  /** CPU time of this process and of the anvil child, in seconds. */
  const childCpuSeconds = () => (anvil ? processCpuSeconds(anvil.pid) : 0);
  const child0 = childCpuSeconds();
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
  const ownCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const anvilCpuSeconds = childCpuSeconds() - child0;
  const cpuSeconds = ownCpuSeconds + anvilCpuSeconds;
  env.chain.close();

  console.log(`\n== campaign (backend ${args.backend})`);
  console.log(`sequences: ${stats.sequences} (${details.numRuns} runs + ${details.numShrinks} shrinks)`);
  console.log(`actions executed: ${stats.actions}, transactions: ${env.chain.txCount}`);
  const split = anvil
    ? ` (this process ${ownCpuSeconds.toFixed(1)} s + anvil ${anvilCpuSeconds.toFixed(1)} s)`
    : "";
  console.log(`wall time: ${seconds.toFixed(1)} s, CPU time: ${cpuSeconds.toFixed(1)} s${split}`);
  console.log(`sequences/s: ${(stats.sequences / seconds).toFixed(2)}`);
  console.log(
    `actions/s: ${(stats.actions / seconds).toFixed(1)} (per CPU-second: ${(stats.actions / cpuSeconds).toFixed(1)})`,
  );
  console.log("\n== coverage (actions)");
  for (const [k, v] of [...stats.byCommand].sort()) console.log(`  ${k.padEnd(22)} ${v}`);
  console.log("== coverage (outcomes)");
  for (const [k, v] of [...stats.outcomes].sort()) console.log(`  ${k.padEnd(60)} ${v}`);

  if (args.statsJson) {
    const counts = {
      seed: args.seed,
      runs: details.numRuns,
      shrinks: details.numShrinks,
      failed: details.failed,
      sequences: stats.sequences,
      actions: stats.actions,
      transactions: env.chain.txCount,
      byCommand: Object.fromEntries([...stats.byCommand].sort()),
      outcomes: Object.fromEntries([...stats.outcomes].sort()),
    };
    writeFileSync(args.statsJson, `${JSON.stringify(counts, null, 2)}\n`);
  }
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
