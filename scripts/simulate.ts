/**
 * Gradual versus instant liquidation, side by side (docs/SIMULATOR.md).
 *
 *   npm run simulate -- --scenario wick          one scenario (repeat the flag or give a comma list for more)
 *   npm run simulate -- --all                    every scenario in the file and the wick-filter trade-off
 *   options: --paths N (Monte Carlo paths), --tick SECONDS, --seed S, --file sim/scenarios.json, --out reports
 *
 * Runs on the in-process Hardhat network with the real contracts, prints a comparison table per scenario and
 * writes reports/<scenario>/ (README.md, steps.csv, charts as SVG and PNG). The same seed gives the same files.
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  loadScenarios,
  scenarioPaths,
  type PricePath,
  type Scenario,
  type SimDefaults,
} from "../src/sim/scenarios";
import { runPath, type RunResult } from "../src/sim/engine";
import { setupWorld, type World } from "../src/sim/world";
import { computeMetrics, wouldRecover, type RunMetrics } from "../src/sim/metrics";
import { POLICIES, POLICY_LABELS, policyParams, type PolicyName } from "../src/sim/policies";
import {
  aggregate,
  checkTargets,
  markdownTable,
  STEP_CSV_HEADER,
  stepCsvLines,
  targetsMarkdown,
  textTable,
  usd,
  type PolicyMetrics,
  type TargetResult,
} from "../src/sim/report";
import {
  lineChart,
  ltvChart,
  renderChart,
  tradeoffChart,
  type LtvRow,
  type SeriesRow,
  tradeoffPoints,
} from "../src/sim/charts";
import { defaultMarketParams, type MarketParamsInput } from "../src/sdk/params";

interface Args {
  scenarios: string[];
  all: boolean;
  paths?: number;
  tick?: number;
  seed?: number;
  file: string;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scenarios: [], all: false, file: "sim/scenarios.json", out: "reports" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--all") args.all = true;
    else if (flag === "--scenario") args.scenarios.push(...value().split(","));
    else if (flag === "--paths") args.paths = Number(value());
    else if (flag === "--tick") args.tick = Number(value());
    else if (flag === "--seed") args.seed = Number(value());
    else if (flag === "--file") args.file = value();
    else if (flag === "--out") args.out = value();
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!args.all && args.scenarios.length === 0) throw new Error("give --scenario NAME or --all");
  return args;
}

/** Progress on stderr: a bar redrawn in place on a terminal, a line per 10 % otherwise. */
class Progress {
  private done = 0;
  private lastDecile = -1;
  private readonly start = Date.now();
  constructor(private readonly total: number) {}
  tick(label: string): void {
    this.done += 1;
    const frac = this.done / this.total;
    const secs = Math.round((Date.now() - this.start) / 1000);
    const bar = "#".repeat(Math.round(frac * 30)).padEnd(30, "-");
    const line = `[${bar}] ${this.done}/${this.total} ${label}  ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(100)}`);
    else if (Math.floor(frac * 10) > this.lastDecile) {
      this.lastDecile = Math.floor(frac * 10);
      process.stderr.write(`${line}\n`);
    }
  }
  end(): void {
    if (process.stderr.isTTY) process.stderr.write("\n");
  }
}

interface ScenarioRuns {
  name: string;
  scenario: Scenario;
  paths: PricePath[];
  /** metrics[depth][policy][path] */
  metrics: Record<string, Record<PolicyName, RunMetrics[]>>;
  /** Runs kept for charts: the chart path of each depth and policy. */
  charted: Record<string, Record<PolicyName, RunResult>>;
  chartPath: number;
  csv: string[];
}

const hours = (t: number) => Math.round((t / 3600) * 1e4) / 1e4;

async function runScenario(
  w: World,
  name: string,
  scenario: Scenario,
  paths: PricePath[],
  progress: Progress,
  paramsOf: (p: PolicyName) => MarketParamsInput = (p) => policyParams(p),
  policies: readonly PolicyName[] = POLICIES,
): Promise<ScenarioRuns> {
  // The chart follows the path with the deepest fall (the only path of a keyframe scenario).
  const lows = paths.map((p) => Math.min(...p.prices));
  const chartPath = lows.indexOf(Math.min(...lows));
  const hard = defaultMarketParams().hardLtvBps / 1e4;
  const out: ScenarioRuns = { name, scenario, paths, metrics: {}, charted: {}, chartPath, csv: [] };
  for (const depth of scenario.depths) {
    out.metrics[depth] = {} as Record<PolicyName, RunMetrics[]>;
    out.charted[depth] = {} as Record<PolicyName, RunResult>;
    for (const policy of policies) {
      out.metrics[depth][policy] = [];
      for (const [k, path] of paths.entries()) {
        const run = await runPath(w, path, paramsOf(policy), depth);
        const recovers = wouldRecover(w.borrowers, path, w.ratePerSecond, hard, scenario.recovery);
        out.metrics[depth][policy].push(computeMetrics(run, recovers, path.tickSeconds));
        out.csv.push(...stepCsvLines(path.name, depth, policy, run.steps));
        if (k === chartPath) out.charted[depth][policy] = run;
        progress.tick(`${path.name} ${depth} ${policy}`);
      }
    }
  }
  return out;
}

function summarize(r: ScenarioRuns, depth: string): PolicyMetrics {
  return Object.fromEntries(POLICIES.map((p) => [p, aggregate(r.metrics[depth][p])])) as PolicyMetrics;
}

async function writeScenarioReport(
  dir: string,
  r: ScenarioRuns,
  w: World,
  defaults: SimDefaults,
  command: string,
): Promise<TargetResult[]> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "steps.csv"), [STEP_CSV_HEADER, ...r.csv].join("\n") + "\n");
  const s = r.scenario;
  const params = defaultMarketParams();
  const targets: TargetResult[] = [];
  const md: string[] = [
    `# Scenario \`${r.name}\``,
    "",
    `${s.description}. Generated by \`${command}\` (docs/SIMULATOR.md explains the model and every figure).`,
    "",
    `- ${w.borrowers.length} borrowers, initial LTV uniform in ${defaults.ltvRange.join("–")}, collateral log-normal ` +
      `(median ${defaults.collateralMedian} tokens); seed ${defaults.seed}; start price $${defaults.initialPrice}.`,
    `- Tick ${r.paths[0].tickSeconds} s over ${s.durationSeconds / 3600} h` +
      (r.paths.length > 1
        ? `; ${r.paths.length} paths, figures are means per path (worst pool depression and time ` +
          `to clear: the worst path)`
        : "") +
      `; recovery judged at ${s.recovery === "max" ? "every tick (max LTV along the path)" : "the end of the path"}.`,
    `- Feed: new round on a ${defaults.feedDeviation * 100} % deviation or a ${defaults.feedHeartbeatSeconds} s ` +
      `heartbeat. Pool: constant product, 0.3 % fee, holding ${Object.entries(defaults.depths)
        .filter(([d]) => s.depths.includes(d))
        .map(([d, x]) => `${x}× the borrowers' collateral (${d})`)
        .join(
          " or ",
        )}; arbitrage up to ${defaults.arbCapacityPerMinute * 100} % of the pool's initial depth per ` +
      `minute. Keeper gas at ${defaults.gasPriceGwei} gwei.`,
    "",
  ];
  for (const depth of s.depths) {
    const m = summarize(r, depth);
    targets.push(...checkTargets(s.targets, depth, m));
    md.push(`## ${depth} pool`, "", markdownTable(m), "");
    const run = r.charted[depth];
    const path = r.paths[r.chartPath];
    const priceRows: SeriesRow[] = [];
    const soldRows: SeriesRow[] = [];
    const ltvRows: LtvRow[] = [];
    const first = run[POLICIES[0]].ticks;
    for (const t of first) {
      priceRows.push({ hours: hours(t.t), series: "reference", value: t.refPrice });
      priceRows.push({ hours: hours(t.t), series: "oracle (feed)", value: t.oraclePrice });
    }
    for (const p of POLICIES) {
      for (const t of run[p].ticks) {
        priceRows.push({ hours: hours(t.t), series: `pool: ${p}`, value: t.poolPrice });
        soldRows.push({ hours: hours(t.t), series: p, value: Number(t.collateralSold) / 1e18 });
        t.sampleLtvs.forEach((ltv, j) => {
          const b = w.borrowers[w.samples[j]];
          const ltv0 = Number(b.debt) / 1e6 / ((Number(b.collateral) / 1e18) * defaults.initialPrice);
          ltvRows.push({ hours: hours(t.t), position: ltv0.toFixed(3), policy: p, ltv: Math.min(ltv, 1.2) });
        });
      }
    }
    const label = r.paths.length > 1 ? ` (path ${path.name})` : "";
    await renderChart(
      lineChart(priceRows, `Reference, oracle and pool price${label}, ${depth} pool`, "USD"),
      join(dir, `price-${depth}`),
    );
    await renderChart(
      ltvChart(
        ltvRows,
        `LTV of sample positions${label}, ${depth} pool (dashed: softLtv, hardLtv of ours)`,
        params.softLtvBps / 1e4,
        params.hardLtvBps / 1e4,
      ),
      join(dir, `ltv-${depth}`),
    );
    await renderChart(
      lineChart(
        soldRows,
        `Cumulative collateral sold by keepers${label}, ${depth} pool`,
        "collateral tokens",
        { yZero: true },
      ),
      join(dir, `sold-${depth}`),
    );
    md.push(
      `![price](price-${depth}.png)`,
      "",
      `![LTV of sample positions](ltv-${depth}.png)`,
      "",
      `![collateral sold](sold-${depth}.png)`,
      "",
    );
  }
  if (r.paths.length > 1) {
    const rows: SeriesRow[] = r.paths.flatMap((p) =>
      p.prices.map((v, k) => ({ hours: hours(k * p.tickSeconds), series: p.name, value: v })),
    );
    const chart = lineChart(rows, `Reference price paths (${r.paths.length})`, "USD");
    await renderChart(
      {
        ...chart,
        encoding: {
          ...(chart as { encoding: object }).encoding,
          color: { field: "series", type: "nominal", legend: null },
        },
      } as typeof chart,
      join(dir, "paths"),
    );
    md.push("## Paths", "", "![paths](paths.png)", "");
  }
  md.push("## Targets", "", targetsMarkdown(targets), "", "Every step is in [steps.csv](steps.csv).", "");
  writeFileSync(join(dir, "README.md"), md.join("\n"));
  return targets;
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  await hre.run("compile", { quiet: true });
  const file = loadScenarios(args.file);
  const defaults: SimDefaults = { ...file.defaults, seed: args.seed ?? file.defaults.seed };
  const names = args.all ? Object.keys(file.scenarios) : args.scenarios;
  for (const n of names) if (!(n in file.scenarios)) throw new Error(`no scenario ${n} in ${args.file}`);
  const tradeoff = args.all ? file.tradeoff : undefined;
  // The trade-off report's runs, planned once: those the scenario runs below already make are taken from them.
  const tradeoffPlan = tradeoff
    ? tradeoffRuns(tradeoff, (n, depth) => names.includes(n) && file.scenarios[n].depths.includes(depth))
    : [];
  const pathsOf = (n: string) =>
    scenarioPaths(n, file.scenarios[n], defaults.initialPrice, defaults.seed, {
      tickSeconds: args.tick,
      paths: args.paths,
    });
  const depths = [
    ...new Set([
      ...names.flatMap((n) => file.scenarios[n].depths),
      ...(tradeoff ? [tradeoff.wickDepth, tradeoff.crashDepth] : []),
    ]),
  ];
  const total =
    names.reduce((s, n) => s + pathsOf(n).length * file.scenarios[n].depths.length * POLICIES.length, 0) +
    tradeoffPlan.filter((r) => !r.reused).length * 2;
  const flags = [
    args.paths !== undefined ? ` --paths ${args.paths}` : "",
    args.tick !== undefined ? ` --tick ${args.tick}` : "",
    args.seed !== undefined ? ` --seed ${args.seed}` : "",
  ].join("");

  const w = await setupWorld(defaults, depths);
  const progress = new Progress(total);
  const allTargets: { scenario: string; results: TargetResult[] }[] = [];
  const summaries: string[] = [];
  const done = new Map<string, ScenarioRuns>();
  for (const name of names) {
    const runs = await runScenario(w, name, file.scenarios[name], pathsOf(name), progress);
    done.set(name, runs);
    const command = `npm run simulate -- ${args.all ? "--all" : `--scenario ${name}`}${flags}`;
    const results = await writeScenarioReport(join(args.out, name), runs, w, defaults, command);
    allTargets.push({ scenario: name, results });
    for (const depth of runs.scenario.depths) {
      summaries.push(
        `\n${name} (${file.scenarios[name].description}), ${depth} pool\n${textTable(summarize(runs, depth))}`,
      );
    }
  }
  if (tradeoff)
    summaries.push(await runTradeoff(w, file, tradeoffPlan, defaults, args, progress, flags, done));
  progress.end();
  process.stdout.write(summaries.join("\n") + "\n\nTargets for our defaults:\n");
  for (const { scenario, results } of allTargets) {
    for (const r of results) {
      process.stdout.write(
        `  ${r.met ? "met   " : "MISSED"}  ${scenario} (${r.depth}): ${r.target} — ${r.measured}\n`,
      );
    }
  }
  process.stdout.write(`\nReports in ${args.out}/. ${Math.round((Date.now() - started) / 1000)} s.\n`);
}

/** The other schedules the trade-off report also runs with and without our wick filter. */
const FILTERED_POLICIES = ["fixed50", "linear"] as const;

type TradeoffSpec = ReturnType<typeof loadScenarios>["tradeoff"];

/** One run of the trade-off report: a policy with the wick filter's delay set to `confirm` seconds. */
interface TradeoffRun {
  policy: PolicyName;
  confirm: number;
  /** The scenario runs of `--all` already hold this run (the policy at its own parameters). */
  reused: boolean;
}

/**
 * The trade-off report's runs, each made in the wick and in the crash: ours at every delay, then the 50 % close
 * factor and the linear schedule without a filter and behind our default one. A run whose parameters are the
 * policy's own, in a scenario that `--all` has just run, is taken from that run instead of being made again.
 */
function tradeoffRuns(spec: TradeoffSpec, ran: (scenario: string, depth: string) => boolean): TradeoffRun[] {
  const def = defaultMarketParams().confirmDelaySeconds;
  const both = ran(spec.wickScenario, spec.wickDepth) && ran(spec.crashScenario, spec.crashDepth);
  const run = (policy: PolicyName, confirm: number) => ({
    policy,
    confirm,
    reused: both && policyParams(policy).confirmDelaySeconds === confirm,
  });
  return [
    ...spec.confirmDelaySeconds.map((confirm) => run("ours", confirm)),
    ...FILTERED_POLICIES.flatMap((policy) => [0, def].map((confirm) => run(policy, confirm))),
  ];
}

/**
 * Our policy with the wick filter's delay varied: recovered positions unwound in the wick against crash bad debt.
 * Then the 50 % close factor and the linear schedule, each with and without our default filter, to show what the
 * filter itself costs in the crash, whatever the schedule behind it.
 */
async function runTradeoff(
  w: World,
  file: ReturnType<typeof loadScenarios>,
  plan: readonly TradeoffRun[],
  defaults: SimDefaults,
  args: Args,
  progress: Progress,
  flags: string,
  /** The scenario runs just made, by scenario: where the plan's reused runs come from. */
  done: ReadonlyMap<string, ScenarioRuns>,
): Promise<string> {
  const spec = file.tradeoff;
  const one = (n: string, depth: string) => {
    const s = { ...file.scenarios[n], depths: [depth] };
    return {
      s,
      paths: scenarioPaths(n, s, defaults.initialPrice, defaults.seed, { tickSeconds: args.tick }),
    };
  };
  const wick = one(spec.wickScenario, spec.wickDepth);
  const crash = one(spec.crashScenario, spec.crashDepth);
  /** A policy's metrics in the wick and the crash: from the scenario runs, or run here. */
  const measure = async ({ policy, confirm, reused }: TradeoffRun) => {
    if (reused) {
      return {
        wick: done.get(spec.wickScenario)!.metrics[spec.wickDepth][policy][0],
        crash: done.get(spec.crashScenario)!.metrics[spec.crashDepth][policy][0],
      };
    }
    const params = () => ({ ...policyParams(policy), confirmDelaySeconds: confirm });
    const a = await runScenario(w, spec.wickScenario, wick.s, wick.paths, progress, params, [policy]);
    const b = await runScenario(w, spec.crashScenario, crash.s, crash.paths, progress, params, [policy]);
    return { wick: a.metrics[spec.wickDepth][policy][0], crash: b.metrics[spec.crashDepth][policy][0] };
  };
  const rows: { confirm: number; recovered: number; wickLoss: number; badDebt: number }[] = [];
  const others: { policy: PolicyName; confirm: number; recovered: number; badDebt: number }[] = [];
  for (const run of plan) {
    const m = await measure(run);
    const figures = { confirm: run.confirm, recovered: m.wick.recoveredUnwound, badDebt: m.crash.badDebtUsd };
    if (run.policy === "ours") rows.push({ ...figures, wickLoss: m.wick.borrowerLossUsd });
    else others.push({ policy: run.policy, ...figures });
  }
  const def = defaultMarketParams().confirmDelaySeconds;
  const dir = join(args.out, "wick-filter");
  mkdirSync(dir, { recursive: true });
  const lines = [
    "# Wick filter trade-off",
    "",
    `${spec.description}. Generated by \`npm run simulate -- --all${flags}\`; wick in the ${spec.wickDepth} pool, crash in the ${spec.crashDepth} pool, all other ` +
      "parameters at their defaults. Choose the delay by how many positions that would have recovered you accept " +
      "to unwind in a wick, against how much bad debt lenders may carry in a crash.",
    "",
    "| confirmDelaySeconds | positions unwound in the wick that would have recovered | borrower loss in the wick | lenders' bad debt in the crash |",
    "| ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.confirm}${r.confirm === def ? " (default)" : ""} | ${r.recovered} | ${usd(r.wickLoss)} | ${usd(r.badDebt)} |`,
    ),
    "",
    "![trade-off](tradeoff.png)",
    "",
    "## The same filter behind the other schedules",
    "",
    `The 50 % close factor and the linear schedule, each without a filter (as in the scenario reports) and with our ` +
      `default ${def} s filter. Whatever the schedule, waiting out a wick means waiting in the first minutes of a ` +
      "crash, and a thin pool then takes the sales of many positions at once.",
    "",
    `| policy | confirmDelaySeconds | positions unwound in the wick that would have recovered | lenders' bad debt in the crash |`,
    "| --- | ---: | ---: | ---: |",
    ...others.map(
      (r) => `| ${POLICY_LABELS[r.policy]} | ${r.confirm} | ${r.recovered} | ${usd(r.badDebt)} |`,
    ),
    "",
  ];
  writeFileSync(join(dir, "README.md"), lines.join("\n"));
  await renderChart(
    tradeoffChart(
      tradeoffPoints(rows, def),
      `Wick filter delay: ${spec.wickScenario} (${spec.wickDepth} pool) against ${spec.crashScenario} (${spec.crashDepth} pool)`,
    ),
    join(dir, "tradeoff"),
  );
  return (
    `\nWick filter trade-off (wick: ${spec.wickDepth} pool, crash: ${spec.crashDepth} pool)\n` +
    rows
      .map(
        (r) =>
          `  confirmDelay ${String(r.confirm).padStart(5)} s: ${r.recovered} recovered positions unwound in the wick, ${usd(r.badDebt)} bad debt in the crash`,
      )
      .join("\n") +
    "\n" +
    others
      .map(
        (r) =>
          `  ${r.policy.padEnd(7)} confirmDelay ${String(r.confirm).padStart(5)} s: ${r.recovered} recovered positions unwound, ${usd(r.badDebt)} bad debt`,
      )
      .join("\n")
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
