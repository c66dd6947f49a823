/**
 * One run as a unit of work: what a worker process needs to make it (the seed's world, the path, the policy's
 * parameters, the pool, the gas price) and what it sends back. A run's result depends on nothing else, so the
 * same job gives the same result in any worker, in any order.
 */
import type { MarketParamsInput } from "../sdk/params";
import { runPath, SimRunError, type RunResult, type TickRecord } from "./engine";
import { computeMetrics, wouldRecover, type RunMetrics } from "./metrics";
import { defaultMarketParams } from "../sdk/params";
import type { PricePath, Recovery, SimDefaults } from "./scenarios";
import { setupWorld, type World } from "./world";
import { stepCsvLines } from "./report";

export interface Job {
  /** Position in the plan: results are put back in this order. */
  id: number;
  /** What the run belongs to, for reports and failure messages. */
  scenario: string;
  policy: string;
  depth: string;
  seed: number;
  gasPriceGwei: number;
  path: PricePath;
  params: MarketParamsInput;
  recovery: Recovery;
  /** Send back the steps (as CSV lines) and ticks, for a scenario report; a family needs the figures only. */
  detail: boolean;
}

export interface JobOutput {
  metrics: RunMetrics;
  skipped: Record<string, number>;
  csv?: string[];
  ticks?: TickRecord[];
}

export type JobResult =
  { id: number; ok: true; output: JobOutput } | { id: number; ok: false; error: JobFailure };

export interface JobFailure {
  message: string;
  /** Tick at which the run failed (-1: before the first). */
  tick: number;
  seconds: number;
}

/** Where a failed run was, in one line: scenario, policy, depth, seed and tick. */
export function describeFailure(job: Job, f: JobFailure): string {
  return (
    `run failed: scenario ${job.path.name}, policy ${job.policy}, ${job.depth} pool, seed ${job.seed}, ` +
    `gas ${job.gasPriceGwei} gwei, ${f.tick < 0 ? "before the first tick" : `tick ${f.tick} (${f.seconds} s)`}: ${f.message}`
  );
}

/**
 * Worlds by seed, one at a time on this chain: a job of another seed reverts the chain to its state before any
 * world (`genesis`) and sets that seed's world up there, so every world is set up on the same chain state.
 */
export class WorldCache {
  private world?: World;
  private seed?: number;
  private genesis?: string;

  constructor(
    private readonly defaults: SimDefaults,
    private readonly depths: string[],
  ) {}

  async get(seed: number): Promise<World> {
    if (this.world && this.seed === seed) return this.world;
    const { network } = await import("hardhat");
    const rpc = (method: string, params: unknown[] = []) => network.provider.request({ method, params });
    if (this.genesis === undefined) this.genesis = (await rpc("evm_snapshot")) as string;
    else {
      await rpc("evm_revert", [this.genesis]);
      this.genesis = (await rpc("evm_snapshot")) as string;
    }
    this.world = await setupWorld({ ...this.defaults, seed }, this.depths);
    this.seed = seed;
    return this.world;
  }
}

/** Makes one run; a failing run is returned as a failure, never thrown. */
export async function runJob(worlds: WorldCache, job: Job): Promise<JobResult> {
  try {
    const w = await worlds.get(job.seed);
    const run: RunResult = await runPath(w, job.path, job.params, job.depth, {
      gasPriceGwei: job.gasPriceGwei,
    });
    checkBooks(run);
    const hard = defaultMarketParams().hardLtvBps / 1e4;
    const recovers = wouldRecover(w.borrowers, job.path, w.ratePerSecond, hard, job.recovery);
    const output: JobOutput = {
      metrics: computeMetrics(run, recovers, job.path.tickSeconds),
      skipped: run.skipped,
    };
    if (job.detail) {
      output.csv = stepCsvLines(job.path.name, job.depth, job.policy, run.steps);
      output.ticks = run.ticks;
    }
    return { id: job.id, ok: true, output };
  } catch (e) {
    const tick = e instanceof SimRunError ? e.tick : -1;
    const seconds = e instanceof SimRunError ? e.seconds : 0;
    const cause = e instanceof SimRunError ? e.cause : e;
    const message = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    return { id: job.id, ok: false, error: { message, tick, seconds } };
  }
}

/**
 * The run's books must balance: collateral seized = sold on the pair + held by the keeper, and = what left the
 * positions; debt at start + interest = repaid + bad debt + open debt, up to a base unit per step (the market
 * rounds each repayment's normalised debt down and the total debt up).
 */
export function booksResiduals(run: RunResult): { collateral: bigint; positions: bigint; debt: bigint } {
  const b = run.books;
  return {
    collateral: b.seized - (b.sold + b.held),
    positions: b.collateralStart - b.collateralEnd - b.seized,
    debt: b.debtStart + b.interest - (b.repaid + b.badDebt + b.debtEnd),
  };
}

export function checkBooks(run: RunResult): void {
  const r = booksResiduals(run);
  const tolerance = BigInt(run.steps.length) + 2n;
  if (r.collateral !== 0n || r.positions !== 0n || r.debt > tolerance || r.debt < -tolerance) {
    throw new Error(
      `the run's books do not balance: collateral ${r.collateral}, positions ${r.positions}, debt ${r.debt} base units`,
    );
  }
}
