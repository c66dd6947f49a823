/**
 * Gradual versus instant liquidation, side by side (docs/SIMULATOR.md).
 *
 *   npm run simulate -- --scenario wick          one scenario (repeat the flag or give a comma list for more)
 *   npm run simulate -- --all                    every scenario in the file and the wick-filter trade-off
 *   npm run simulate -- --families               every family (wick grid, crashes, ...) for its seeds
 *   npm run simulate -- --family crashes         one family (repeat or comma list)
 *   options: --seeds 42,43,44 (families), --seed S (scenarios), --paths N, --tick SECONDS, --workers N,
 *            --backend anvil|hardhat, --file sim/scenarios.json, --out reports
 *
 * The scenario file is validated first. The runs go to worker processes (one per core by default), each on its
 * own chain: an anvil node (default) or Hardhat's in-process network. Writes reports/<scenario>/ and
 * reports/<family>/; the same seeds and flags give the same files, whatever the number of workers. A run that
 * fails is reported (scenario, policy, pool, seed, tick); the others' reports are written, and the exit code is 1.
 */
import hre from "hardhat";
import { cpus } from "node:os";
import { join } from "node:path";
import {
  loadScenarios,
  scenarioPaths,
  type PricePath,
  type Scenario,
  type ScenarioFile,
  type SimDefaults,
} from "../src/sim/scenarios";
import { checkPathPrices, ScenarioFileError } from "../src/sim/validate";
import { describeFailure, type Job, type JobOutput, type JobResult } from "../src/sim/jobs";
import { runJobs } from "../src/sim/workers";
import { POLICIES, policyParams, type PolicyName } from "../src/sim/policies";
import { textTable, type TargetResult } from "../src/sim/report";
import { chartPathOf, summarize, writeScenarioReport, type ScenarioRuns } from "../src/sim/scenario-report";
import { tradeoffRuns, writeTradeoffReport, type TradeoffRun } from "../src/sim/tradeoff";
import { familyCells, seedMetrics, type CellStats } from "../src/sim/families";
import { writeFamilyReport, type FamilyResults } from "../src/sim/family-report";
import type { FamilyTarget } from "../src/sim/families";
import type { MarketParamsInput } from "../src/sdk/params";
import { startAnvil, type AnvilNode } from "./lib/anvil";
import { LOCALHOST_URL_ENV } from "../src/deploy/networks";

interface Args {
  scenarios: string[];
  all: boolean;
  families: string[];
  allFamilies: boolean;
  seeds?: number[];
  paths?: number;
  tick?: number;
  seed?: number;
  workers: number;
  backend: "anvil" | "hardhat";
  file: string;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    scenarios: [],
    all: false,
    families: [],
    allFamilies: false,
    workers: cpus().length,
    backend: "anvil",
    file: "sim/scenarios.json",
    out: "reports",
  };
  const int = (flag: string, v: string, min = 0) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`${flag} needs an integer of at least ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--all") args.all = true;
    else if (flag === "--families") args.allFamilies = true;
    else if (flag === "--scenario") args.scenarios.push(...value().split(","));
    else if (flag === "--family") args.families.push(...value().split(","));
    else if (flag === "--seeds")
      args.seeds = value()
        .split(",")
        .map((s) => int("--seeds", s));
    else if (flag === "--paths") args.paths = int(flag, value(), 1);
    else if (flag === "--tick") args.tick = int(flag, value(), 1);
    else if (flag === "--seed") args.seed = int(flag, value());
    else if (flag === "--workers") args.workers = int(flag, value(), 1);
    else if (flag === "--backend") {
      const b = value();
      if (b !== "anvil" && b !== "hardhat") throw new Error(`--backend must be anvil or hardhat, got ${b}`);
      args.backend = b;
    } else if (flag === "--file") args.file = value();
    else if (flag === "--out") args.out = value();
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!args.all && !args.allFamilies && args.scenarios.length === 0 && args.families.length === 0) {
    throw new Error("give --scenario NAME, --all, --family NAME or --families");
  }
  return args;
}

/** The runs of this invocation, in plan order, and where each result goes. */
class Plan {
  readonly jobs: Job[] = [];
  add(job: Omit<Job, "id">): number {
    this.jobs.push({ ...job, id: this.jobs.length });
    return this.jobs.length - 1;
  }
}

interface ScenarioPlan {
  name: string;
  scenario: Scenario;
  paths: PricePath[];
  /** ids[depth][policy][path] */
  ids: Record<string, Record<PolicyName, number[]>>;
}

/** Plans every policy in every pool on every path of a scenario (or a family cell). */
function planScenario(
  plan: Plan,
  name: string,
  scenario: Scenario,
  paths: PricePath[],
  job: { seed: number; gasPriceGwei: number; detail: boolean },
  paramsOf: (p: PolicyName) => MarketParamsInput = (p) => policyParams(p),
  policies: readonly PolicyName[] = POLICIES,
): ScenarioPlan {
  const ids: ScenarioPlan["ids"] = {};
  for (const depth of scenario.depths) {
    ids[depth] = {} as Record<PolicyName, number[]>;
    for (const policy of policies) {
      ids[depth][policy] = paths.map((path) =>
        plan.add({
          scenario: name,
          policy,
          depth,
          path,
          params: paramsOf(policy),
          recovery: scenario.recovery,
          ...job,
        }),
      );
    }
  }
  return { name, scenario, paths, ids };
}

function pathsOf(name: string, s: Scenario, defaults: SimDefaults, seed: number, args: Args): PricePath[] {
  const paths = scenarioPaths(name, s, defaults.initialPrice, seed, {
    tickSeconds: args.tick,
    paths: args.paths,
  });
  for (const p of paths) checkPathPrices(p, name);
  return paths;
}

/** Collects a scenario's results (failures become lines) into what its report needs. */
function collect(sp: ScenarioPlan, results: JobResult[], jobs: Job[]): ScenarioRuns {
  const chartPath = chartPathOf(sp.paths);
  const r: ScenarioRuns = {
    name: sp.name,
    scenario: sp.scenario,
    paths: sp.paths,
    metrics: {},
    charted: {},
    chartPath,
    csv: [],
    skipped: {},
    failures: [],
  };
  for (const [depth, byPolicy] of Object.entries(sp.ids)) {
    r.metrics[depth] = {} as ScenarioRuns["metrics"][string];
    r.charted[depth] = {};
    for (const [policy, ids] of Object.entries(byPolicy) as [PolicyName, number[]][]) {
      r.metrics[depth][policy] = ids.map((id, k) => {
        const res = results[id];
        if (!res.ok) {
          r.failures.push(describeFailure(jobs[id], res.error));
          return null;
        }
        addSkipped(r.skipped, policy, res.output);
        if (res.output.csv) r.csv.push(...res.output.csv);
        if (k === chartPath && res.output.ticks) r.charted[depth][policy] = res.output.ticks;
        return res.output.metrics;
      });
    }
  }
  return r;
}

function addSkipped(into: ScenarioRuns["skipped"], policy: PolicyName, out: JobOutput): void {
  for (const [reason, n] of Object.entries(out.skipped)) {
    into[reason] ??= {};
    into[reason][policy] = (into[reason][policy] ?? 0) + n;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  // Validated before anything is compiled, deployed or run.
  const file: ScenarioFile = loadScenarios(args.file);
  const defaults: SimDefaults = { ...file.defaults, seed: args.seed ?? file.defaults.seed };
  const names = args.all ? Object.keys(file.scenarios) : args.scenarios;
  for (const n of names) if (!(n in file.scenarios)) throw new Error(`no scenario ${n} in ${args.file}`);
  const familyNames = args.allFamilies ? Object.keys(file.families) : args.families;
  for (const n of familyNames) if (!(n in file.families)) throw new Error(`no family ${n} in ${args.file}`);
  const flags = [
    args.paths !== undefined ? ` --paths ${args.paths}` : "",
    args.tick !== undefined ? ` --tick ${args.tick}` : "",
  ].join("");

  const plan = new Plan();
  const job0 = { seed: defaults.seed, gasPriceGwei: defaults.gasPriceGwei, detail: true };
  const scenarioPlans = names.map((n) =>
    planScenario(
      plan,
      n,
      file.scenarios[n],
      pathsOf(n, file.scenarios[n], defaults, defaults.seed, args),
      job0,
    ),
  );
  // The trade-off report's runs: those the scenario runs already make are taken from them.
  const spec = args.all ? file.tradeoff : undefined;
  const tradeoffPlan: { run: TradeoffRun; wick?: ScenarioPlan; crash?: ScenarioPlan }[] = [];
  if (spec) {
    const ran = (n: string, depth: string) => names.includes(n) && file.scenarios[n].depths.includes(depth);
    for (const run of tradeoffRuns(spec, ran)) {
      if (run.reused) {
        tradeoffPlan.push({ run });
        continue;
      }
      const one = (n: string, depth: string) => {
        const s = { ...file.scenarios[n], depths: [depth] };
        return planScenario(
          plan,
          n,
          s,
          pathsOf(n, s, defaults, defaults.seed, args),
          { ...job0, detail: false },
          () => run.params,
          [run.policy],
        );
      };
      tradeoffPlan.push({
        run,
        wick: one(spec.wickScenario, spec.wickDepth),
        crash: one(spec.crashScenario, spec.crashDepth),
      });
    }
  }
  const familyPlans = familyNames.map((name) => {
    const family = file.families[name];
    const seeds = args.seeds ?? family.seeds;
    const cells = familyCells(file, name);
    return {
      name,
      family: { ...family, seeds },
      cells,
      plans: cells.map((cell) =>
        seeds.map((seed) =>
          planScenario(
            plan,
            cell.name,
            cell.scenario,
            pathsOf(cell.name, cell.scenario, defaults, seed, args),
            {
              seed,
              gasPriceGwei: cell.gasPriceGwei,
              detail: false,
            },
          ),
        ),
      ),
    };
  });

  await hre.run("compile", { quiet: true });
  const workers = Math.min(args.workers, plan.jobs.length);
  process.stderr.write(
    `${plan.jobs.length} runs on ${workers} worker(s) (${args.backend === "anvil" ? "anvil nodes" : "Hardhat's in-process network"})\n`,
  );
  const anvils: AnvilNode[] = [];
  let results: JobResult[];
  try {
    if (args.backend === "anvil") for (let i = 0; i < workers; i++) anvils.push(await startAnvil());
    results = await runJobs(plan.jobs, {
      workers,
      env: (i) => ({
        ...process.env,
        SIM_FILE: args.file,
        HARDHAT_NETWORK: args.backend === "anvil" ? "localhost" : "hardhat",
        ...(args.backend === "anvil" ? { [LOCALHOST_URL_ENV]: anvils[i].url } : {}),
      }),
    });
  } finally {
    for (const a of anvils) await a.stop();
  }

  const failures: string[] = [];
  const summaries: string[] = [];
  const allTargets: { name: string; results: TargetResult[] }[] = [];
  const done = new Map<string, ScenarioRuns>();
  for (const sp of scenarioPlans) {
    const runs = collect(sp, results, plan.jobs);
    done.set(sp.name, runs);
    failures.push(...runs.failures);
    const command = `npm run simulate -- ${args.all ? "--all" : `--scenario ${sp.name}`}${flags}${args.seed !== undefined ? ` --seed ${args.seed}` : ""}`;
    allTargets.push({
      name: sp.name,
      results: await writeScenarioReport(join(args.out, sp.name), runs, defaults, command),
    });
    for (const depth of sp.scenario.depths) {
      const m = summarize(runs, depth);
      summaries.push(
        `\n${sp.name} (${sp.scenario.description}), ${depth} pool\n${m ? textTable(m) : "(runs failed)"}`,
      );
    }
  }
  if (spec) {
    const first = (sp: ScenarioPlan | undefined, scenario: string, depth: string, policy: PolicyName) => {
      const r = sp ? collect(sp, results, plan.jobs) : done.get(scenario)!;
      if (sp) failures.push(...r.failures);
      return r.metrics[depth][policy][0];
    };
    const rows = tradeoffPlan.map(({ run, wick, crash }) => ({
      run,
      wick: first(wick, spec.wickScenario, spec.wickDepth, run.policy),
      crash: first(crash, spec.crashScenario, spec.crashDepth, run.policy),
    }));
    if (rows.every((x) => x.wick && x.crash)) {
      summaries.push(
        await writeTradeoffReport(
          join(args.out, "wick-filter"),
          spec,
          rows as Parameters<typeof writeTradeoffReport>[2],
          `npm run simulate -- --all${flags}`,
        ),
      );
    } else summaries.push("\nWick filter trade-off not written: some of its runs failed.");
  }
  const familyTargets: { name: string; results: FamilyTarget[] }[] = [];
  for (const fp of familyPlans) {
    const fr: FamilyResults = {
      name: fp.name,
      family: fp.family,
      cells: fp.cells,
      stats: [],
      skipped: {},
      failures: [],
    };
    fp.plans.forEach((bySeed, c) => {
      const stats: CellStats = {};
      bySeed.forEach((sp, k) => {
        const runs = collect(sp, results, plan.jobs);
        fr.failures.push(...runs.failures);
        for (const [reason, byPolicy] of Object.entries(runs.skipped)) {
          fr.skipped[reason] ??= {};
          for (const [p, n] of Object.entries(byPolicy)) {
            fr.skipped[reason][p as PolicyName] = (fr.skipped[reason][p as PolicyName] ?? 0) + n;
          }
        }
        for (const [depth, byPolicy] of Object.entries(runs.metrics)) {
          stats[depth] ??= Object.fromEntries(POLICIES.map((p) => [p, []])) as unknown as CellStats[string];
          for (const p of POLICIES)
            stats[depth][p].push({ seed: fp.family.seeds[k], metrics: seedMetrics(byPolicy[p]) });
        }
      });
      fr.stats[c] = stats;
    });
    failures.push(...fr.failures);
    const seedsFlag = args.seeds ? ` --seeds ${args.seeds.join(",")}` : "";
    // The command that makes this report alone (`--families` makes each the same way).
    const command = `npm run simulate -- --family ${fp.name}${seedsFlag}${flags}`;
    familyTargets.push({
      name: fp.name,
      results: await writeFamilyReport(join(args.out, fp.name), fr, defaults, command),
    });
  }

  process.stdout.write(summaries.join("\n") + (summaries.length ? "\n\n" : ""));
  if (allTargets.length) process.stdout.write("Targets for our defaults (scenarios):\n");
  for (const { name, results: rs } of allTargets) {
    for (const r of rs)
      process.stdout.write(
        `  ${r.met ? "met   " : "MISSED"}  ${name} (${r.depth}): ${r.target} — ${r.measured}\n`,
      );
  }
  for (const { name, results: rs } of familyTargets) {
    const missed = rs.filter((t) => t.met === false);
    process.stdout.write(
      `Family ${name}: ${rs.filter((t) => t.met).length} targets met, ${missed.length} missed\n`,
    );
    for (const t of missed) process.stdout.write(`  MISSED  ${t.cell} (${t.depth}): ${t.target}\n`);
  }
  if (failures.length > 0) {
    process.stdout.write(`\n${failures.length} run(s) failed; the reports hold what completed:\n`);
    for (const f of failures) process.stdout.write(`  ${f}\n`);
    process.exitCode = 1;
  }
  process.stdout.write(`\nReports in ${args.out}/. ${Math.round((Date.now() - started) / 1000)} s.\n`);
}

main().catch((e: unknown) => {
  // A bad scenario file: its one-line message naming the field; anything else with its stack.
  console.error(e instanceof ScenarioFileError ? e.message : e);
  process.exitCode = 1;
});
