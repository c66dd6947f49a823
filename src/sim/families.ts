/**
 * Families of scenarios (sim/scenarios.json `families`): a wick grid (depth x fall duration), crashes (fall
 * duration, at several keeper gas prices) and sets of the file's scenarios, each run for several borrower seeds.
 * Expands a family into cells, aggregates each cell's runs (mean over seeds, and the worst seed) and checks the
 * targets the mechanism-v2 issue is judged on. Pure: no RPC, no files.
 */
import { aggregate } from "./report";
import type { RunMetrics } from "./metrics";
import { POLICIES, type PolicyName } from "./policies";
import type { Family, KeyframeScenario, Scenario, ScenarioFile } from "./scenarios";

/** One cell of a family: one path shape (and gas price), run in every pool, for every policy and seed. */
export interface Cell {
  /** Scenario name of its paths (and of its runs in failure messages). */
  name: string;
  scenario: Scenario;
  /** Heatmap row and column labels (a crash's row is its gas price; a scenario set's column its seed). */
  row: string;
  col: string;
  gasPriceGwei: number;
  /** The fall's duration in seconds, and its depth (wick and crash cells). */
  fallSeconds?: number;
  drop?: number;
}

const pctLabel = (x: number) => `−${Math.round(x * 1000) / 10} %`;
const minutes = (s: number) => `${Math.round((s / 60) * 10) / 10} min`;

/** A family's cells, in report order. */
export function familyCells(file: ScenarioFile, name: string): Cell[] {
  const f: Family = file.families[name];
  const gas0 = file.defaults.gasPriceGwei;
  if (f.kind === "wick") {
    return f.drops.flatMap((drop) =>
      f.fallSeconds.map((fall) => {
        const scenario: KeyframeScenario = {
          description: `Wick: ${pctLabel(drop)} over ${minutes(fall)}, back to the start at ${minutes(f.backAtSeconds)}`,
          kind: "keyframes",
          tickSeconds: f.tickSeconds,
          durationSeconds: f.durationSeconds,
          keyframes: [
            [0, 1],
            [fall, 1 - drop],
            [f.backAtSeconds, 1],
            [f.durationSeconds, 1],
          ],
          recovery: "max",
          depths: f.depths!,
          targets: [],
        };
        return {
          name: `${name}/${Math.round(drop * 100)}pct-${fall}s`,
          scenario,
          row: pctLabel(drop),
          col: minutes(fall),
          gasPriceGwei: gas0,
          fallSeconds: fall,
          drop,
        };
      }),
    );
  }
  if (f.kind === "crash") {
    return f.gasPriceGwei.flatMap((gas) =>
      f.falls.map(({ drop, seconds }) => {
        const scenario: KeyframeScenario = {
          description: `Crash: ${pctLabel(drop)} over ${minutes(seconds)}, then flat for ${minutes(f.flatSeconds)}`,
          kind: "keyframes",
          tickSeconds: f.tickSeconds,
          durationSeconds: seconds + f.flatSeconds,
          keyframes: [
            [0, 1],
            [seconds, 1 - drop],
            [seconds + f.flatSeconds, 1 - drop],
          ],
          recovery: "end",
          depths: f.depths!,
          targets: [],
        };
        return {
          name: `${name}/${Math.round(drop * 100)}pct-${seconds}s-${gas}gwei`,
          scenario,
          row: `${gas} gwei`,
          col: `${pctLabel(drop)} / ${minutes(seconds)}`,
          gasPriceGwei: gas,
          fallSeconds: seconds,
          drop,
        };
      }),
    );
  }
  return f.scenarios.map((s) => ({
    name: s,
    scenario: file.scenarios[s],
    row: s,
    col: "",
    gasPriceGwei: gas0,
  }));
}

/** A figure of a cell, pool and policy: its mean over the seeds, and the worst seed's. */
export interface SeedStat {
  mean: number;
  worst: number;
  worstSeed: number;
  /** Seeds whose run failed (their figures are left out). */
  failed: number[];
}

/** metrics of one cell, pool and policy, per seed (each the mean over that seed's paths); null = failed. */
export type SeedRuns = { seed: number; metrics: RunMetrics | null }[];

/**
 * Mean over the seeds and the worst seed of `figure`; `higherIsWorse` (a loss, bad debt, positions unwound) picks
 * the seed with the highest value. Infinity (a time that never ends) counts as the worst.
 */
export function seedStat(runs: SeedRuns, figure: (m: RunMetrics) => number, higherIsWorse = true): SeedStat {
  const ok = runs.filter((r) => r.metrics !== null);
  const failed = runs.filter((r) => r.metrics === null).map((r) => r.seed);
  if (ok.length === 0) return { mean: NaN, worst: NaN, worstSeed: -1, failed };
  const values = ok.map((r) => figure(r.metrics!));
  let w = 0;
  values.forEach((v, i) => {
    if (higherIsWorse ? v > values[w] : v < values[w]) w = i;
  });
  return {
    mean: values.reduce((s, v) => s + v, 0) / values.length,
    worst: values[w],
    worstSeed: ok[w].seed,
    failed,
  };
}

/** The paths of a seed aggregated into one RunMetrics (means; a failed path fails the seed). */
export function seedMetrics(paths: (RunMetrics | null)[]): RunMetrics | null {
  if (paths.some((m) => m === null)) return null;
  return aggregate(paths as RunMetrics[]);
}

/** Seconds with a position above hardLtv, for the "no position above hardLtv for more than" target. */
export const aboveHardSeconds = (m: RunMetrics): number => m.timeToClearSeconds ?? 0;

/** One target line of a family report. */
export interface FamilyTarget {
  cell: string;
  depth: string;
  target: string;
  /** The figures of our defaults and each baseline (means over seeds, worst seed). */
  measured: string;
  met: boolean | null;
}

export type CellStats = Record<string, Record<PolicyName, SeedRuns>>;

const fmtCount = (s: SeedStat) => `${round1(s.mean)} (worst ${round1(s.worst)}, seed ${s.worstSeed})`;
const round1 = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 10) / 10) : "∞");
const fmtUsd = (s: SeedStat) => `${usdShort(s.mean)} (worst ${usdShort(s.worst)}, seed ${s.worstSeed})`;
export const usdShort = (x: number): string =>
  !Number.isFinite(x)
    ? "—"
    : Math.abs(x) >= 1000
      ? `$${(Math.round(x / 100) / 10).toLocaleString("en-US")}k`
      : `$${Math.round(x)}`;
const all = (
  runs: Record<PolicyName, SeedRuns>,
  fig: (m: RunMetrics) => number,
  fmt: (s: SeedStat) => string,
) => POLICIES.map((p) => `${p} ${fmt(seedStat(runs[p], fig))}`).join("; ");

/**
 * The mechanism-v2 issue's targets for this family, for our defaults, judged on the means over the seeds (the
 * worst seed is shown beside them): see docs/SIMULATOR.md ("Families").
 */
export function familyTargets(
  family: Family,
  cells: readonly Cell[],
  stats: readonly CellStats[],
  defaultGas: number,
): FamilyTarget[] {
  const out: FamilyTarget[] = [];
  cells.forEach((cell, c) => {
    for (const [depth, runs] of Object.entries(stats[c])) {
      const ours = (fig: (m: RunMetrics) => number) => seedStat(runs.ours, fig);
      const push = (target: string, measured: string, met: boolean | null) =>
        out.push({ cell: cell.name, depth, target, measured, met });
      const failed = POLICIES.some((p) => runs[p].some((r) => r.metrics === null));
      const judged = (ok: boolean) => (failed ? null : ok);
      if (family.kind === "wick") {
        const rec = (m: RunMetrics) => m.recoveredUnwound;
        const measured = all(runs, rec, fmtCount);
        if (cell.fallSeconds! <= 300) {
          push(
            "0 recovering positions unwound (falls of 5 min or less)",
            measured,
            judged(ours(rec).mean === 0),
          );
        } else if (cell.fallSeconds! <= 600) {
          const linear = seedStat(runs.linear, rec);
          push(
            "for 10-min falls, none, or fewer recovering positions unwound than the linear schedule (and than today's defaults)",
            measured,
            judged(ours(rec).mean === 0 || ours(rec).mean < linear.mean),
          );
        }
      } else if (family.kind === "crash" && cell.gasPriceGwei === defaultGas) {
        const bad = (m: RunMetrics) => m.badDebtUsd;
        const measured = all(runs, bad, fmtUsd);
        const o = ours(bad).mean;
        push(
          "bad debt ≤ the linear schedule's",
          measured,
          judged(o <= seedStat(runs.linear, bad).mean + 0.5),
        );
        const fixed = seedStat(runs.fixed50, bad).mean;
        if (fixed < 0.5) {
          push("zero bad debt where the 50 % close factor has none", measured, judged(o < 0.5));
        } else if (cell.fallSeconds! >= 3600) {
          push(
            "bad debt ≤ the 50 % close factor's (falls of 60 min or more)",
            measured,
            judged(o <= fixed + 0.5),
          );
        }
        if (depth === "deep") {
          const loss = (m: RunMetrics) => m.borrowerLossUsd;
          push(
            "deep pool: borrower loss ≤ the 50 % close factor's",
            all(runs, loss, fmtUsd),
            judged(ours(loss).mean <= seedStat(runs.fixed50, loss).mean),
          );
          const above = seedStat(runs.ours, aboveHardSeconds);
          push(
            "deep pool: no position above hardLtv for more than 10 min",
            all(
              runs,
              aboveHardSeconds,
              (s) => `${minutesOf(s.mean)} (worst ${minutesOf(s.worst)}, seed ${s.worstSeed})`,
            ),
            judged(above.worst <= 600),
          );
        }
      } else if (family.kind === "scenarios" && family.lossVsLinearMax !== undefined) {
        const loss = (m: RunMetrics) => m.borrowerLossUsd;
        const o = ours(loss);
        const l = seedStat(runs.linear, loss);
        const r = l.mean === 0 ? (o.mean === 0 ? 1 : Infinity) : o.mean / l.mean;
        push(
          `borrower loss ≤ ${family.lossVsLinearMax}× the linear schedule's`,
          `${all(runs, loss, fmtUsd)}; ours / linear ${r.toFixed(3)}×`,
          judged(r <= family.lossVsLinearMax),
        );
      }
    }
  });
  return out;
}

const minutesOf = (s: number) =>
  !Number.isFinite(s) ? "not by the end" : s === 0 ? "never above" : `${Math.round(s / 60)} min`;
