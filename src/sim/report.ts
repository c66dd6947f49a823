/** Tables, target checks, CSV and Markdown of the simulator's results (pure formatting, no I/O). */
import type { RunMetrics } from "./metrics";
import { POLICIES, POLICY_LABELS, type PolicyName } from "./policies";
import type { StepRecord } from "./engine";

export type PolicyMetrics = Record<PolicyName, RunMetrics>;

export const usd = (x: number): string =>
  `${x < 0 ? "-" : ""}$${Math.round(Math.abs(x)).toLocaleString("en-US")}`;
export const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

export function duration(seconds: number | null): string {
  if (seconds === null) return "never above";
  if (!Number.isFinite(seconds)) return "not by the end";
  const m = Math.round(seconds / 60);
  return m >= 120 ? `${(m / 60).toFixed(1)} h` : `${m} min`;
}

/** Mean of each figure over Monte Carlo paths; the worst pool depression and time to clear are the worst path's. */
export function aggregate(runs: RunMetrics[]): RunMetrics {
  const mean = (f: (m: RunMetrics) => number) => runs.reduce((s, m) => s + f(m), 0) / runs.length;
  const times = runs.map((m) => m.timeToClearSeconds).filter((x): x is number => x !== null);
  return {
    steps: mean((m) => m.steps),
    positionsUnwound: mean((m) => m.positionsUnwound),
    recoveredUnwound: mean((m) => m.recoveredUnwound),
    incentiveUsd: mean((m) => m.incentiveUsd),
    slippageUsd: mean((m) => m.slippageUsd),
    borrowerLossUsd: mean((m) => m.borrowerLossUsd),
    realizedBadDebtUsd: mean((m) => m.realizedBadDebtUsd),
    unrealizedBadDebtUsd: mean((m) => m.unrealizedBadDebtUsd),
    badDebtUsd: mean((m) => m.badDebtUsd),
    worstPoolDepression: Math.max(...runs.map((m) => m.worstPoolDepression)),
    keeperRevenueUsd: mean((m) => m.keeperRevenueUsd),
    gasUsed: mean((m) => m.gasUsed),
    collateralSold: mean((m) => m.collateralSold),
    timeToClearSeconds: times.length === 0 ? null : Math.max(...times),
  };
}

const HEADER = [
  "policy",
  "steps",
  "positions unwound",
  "would have recovered",
  "borrower loss (incentive + slippage)",
  "lenders' bad debt",
  "worst pool depression",
  "keeper revenue",
  "keeper gas",
  "no position above hardLtv after",
];

function row(policy: PolicyName, m: RunMetrics): string[] {
  const n = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  return [
    POLICY_LABELS[policy],
    n(m.steps),
    n(m.positionsUnwound),
    n(m.recoveredUnwound),
    `${usd(m.borrowerLossUsd)} (${usd(m.incentiveUsd)} + ${usd(m.slippageUsd)})`,
    usd(m.badDebtUsd),
    pct(m.worstPoolDepression),
    usd(m.keeperRevenueUsd),
    `${(m.gasUsed / 1e6).toFixed(2)} M`,
    duration(m.timeToClearSeconds),
  ];
}

export function markdownTable(metrics: PolicyMetrics): string {
  const lines = [
    `| ${HEADER.join(" | ")} |`,
    `| --- | ${HEADER.slice(1)
      .map(() => "---:")
      .join(" | ")} |`,
  ];
  for (const p of POLICIES) lines.push(`| ${row(p, metrics[p]).join(" | ")} |`);
  return lines.join("\n");
}

/** A plain-text table for the terminal. */
export function textTable(metrics: PolicyMetrics): string {
  const rows = [HEADER, ...POLICIES.map((p) => row(p, metrics[p]))];
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "))
    .join("\n");
}

export interface TargetResult {
  target: string;
  depth: string;
  measured: string;
  met: boolean;
}

/** The target checks a scenario may name in its `targets` list. */
export const SCENARIO_TARGETS = [
  "wickNoRecoveredUnwound",
  "orderlyLossVsInstantAndFixed",
  "lossVsLinear",
  "crashBadDebt",
] as const;

/** The targets for our default parameters, each checked on one depth's figures. */
export function checkTargets(targets: readonly string[], depth: string, m: PolicyMetrics): TargetResult[] {
  const out: TargetResult[] = [];
  const ours = m.ours;
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
  for (const t of targets) {
    if (t === "wickNoRecoveredUnwound") {
      out.push({
        target: "no position that stays below hardLtv is unwound by our policy",
        depth,
        measured: POLICIES.map((p) => `${p} ${m[p].recoveredUnwound}`).join(", "),
        met: ours.recoveredUnwound === 0,
      });
    } else if (t === "orderlyLossVsInstantAndFixed") {
      for (const other of ["instant", "fixed50"] as const) {
        const cut = 1 - ratio(ours.borrowerLossUsd, m[other].borrowerLossUsd);
        out.push({
          target: `borrower loss at least 70 % lower than ${other}`,
          depth,
          measured: `${usd(ours.borrowerLossUsd)} vs ${usd(m[other].borrowerLossUsd)}: ${pct(cut)} lower`,
          met: cut >= 0.7,
        });
      }
    } else if (t === "lossVsLinear") {
      const r = ratio(ours.borrowerLossUsd, m.linear.borrowerLossUsd);
      out.push({
        target: "borrower loss within 10 % of the linear schedule (at most 1.10x)",
        depth,
        measured: `${usd(ours.borrowerLossUsd)} vs ${usd(m.linear.borrowerLossUsd)}: ${r.toFixed(3)}x`,
        met: r <= 1.1,
      });
    } else if (t === "crashBadDebt") {
      out.push({
        target: "bad debt no higher than the linear schedule",
        depth,
        measured: `${usd(ours.badDebtUsd)} vs ${usd(m.linear.badDebtUsd)}`,
        met: ours.badDebtUsd <= m.linear.badDebtUsd,
      });
      if (m.fixed50.badDebtUsd === 0) {
        out.push({
          target: "zero bad debt where the 50 % close factor has none",
          depth,
          measured: usd(ours.badDebtUsd),
          met: ours.badDebtUsd === 0,
        });
      } else {
        const r = ratio(ours.badDebtUsd, m.fixed50.badDebtUsd);
        out.push({
          target: "bad debt within 1.5x of the 50 % close factor",
          depth,
          measured: `${usd(ours.badDebtUsd)} vs ${usd(m.fixed50.badDebtUsd)}: ${r.toFixed(3)}x`,
          met: r <= 1.5,
        });
      }
    } else {
      throw new Error(`unknown target ${t}`);
    }
  }
  return out;
}

export function targetsMarkdown(results: TargetResult[]): string {
  if (results.length === 0) return "No targets are set for this scenario.";
  const lines = ["| target | pool | measured | met |", "| --- | --- | --- | --- |"];
  for (const r of results)
    lines.push(`| ${r.target} | ${r.depth} | ${r.measured} | ${r.met ? "yes" : "**no**"} |`);
  return lines.join("\n");
}

export const STEP_CSV_HEADER =
  "path,pool,policy,seconds,borrower,zone,ltv_before,repaid_usd,seized_tokens,tip_usd,proceeds_usd,bad_debt_usd,reference_price";

export function stepCsvLines(
  path: string,
  depth: string,
  policy: string,
  steps: readonly StepRecord[],
): string[] {
  const amount = (x: bigint, decimals: number) => {
    const s = x.toString().padStart(decimals + 1, "0");
    return `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
  };
  return steps.map((s) =>
    [
      path,
      depth,
      policy,
      s.t,
      s.borrower,
      ["none", "healthy", "soft", "hard"][s.zone],
      s.ltvBefore.toFixed(6),
      amount(s.repaid, 6),
      amount(s.seized, 18),
      amount(s.tip, 6),
      amount(s.proceeds, 6),
      amount(s.badDebt, 6),
      s.refPrice.toFixed(4),
    ].join(","),
  );
}
