/**
 * Scenario data (sim/scenarios.json) and the reference price paths they describe. Pure: no RPC, no files but the
 * loader. A scenario is either `keyframes` (price multipliers at times, linear in between) or `gbm` (geometric
 * Brownian motion with Poisson jumps, seeded, `paths` of them).
 */
import { readFileSync } from "node:fs";
import { Rng } from "./rng";
import { validateScenarioFile } from "./validate";

export type Recovery = "end" | "max";

export interface SimDefaults {
  seed: number;
  borrowers: number;
  initialPrice: number;
  ltvRange: [number, number];
  collateralMedian: number;
  collateralSigma: number;
  collateralMin: number;
  utilization: number;
  feedDeviation: number;
  feedHeartbeatSeconds: number;
  arbCapacityPerMinute: number;
  gasPriceGwei: number;
  gasPerStepEstimate: number;
  depths: Record<string, number>;
  samplePositionLtvs: number[];
}

interface ScenarioBase {
  description: string;
  tickSeconds: number;
  durationSeconds: number;
  recovery: Recovery;
  depths: string[];
  /** Target checks reported for this scenario (src/sim/report.ts `TARGETS`). */
  targets: string[];
}

export interface KeyframeScenario extends ScenarioBase {
  kind: "keyframes";
  /** [seconds, price multiplier] pairs, increasing in time, starting at 0. */
  keyframes: [number, number][];
}

export interface GbmScenario extends ScenarioBase {
  kind: "gbm";
  annualVol: number;
  jumpsPerDay: number;
  /** Mean and standard deviation of a jump's log-return. */
  jumpMean: number;
  jumpSigma: number;
  paths: number;
}

export type Scenario = KeyframeScenario | GbmScenario;

export interface TradeoffSpec {
  description: string;
  confirmDelaySeconds: number[];
  wickScenario: string;
  crashScenario: string;
  wickDepth: string;
  crashDepth: string;
}

/** A wick grid: a linear fall of each depth over each duration, linear back to the start by `backAtSeconds`. */
export interface WickFamily extends FamilyBase {
  kind: "wick";
  /** Falls as fractions of the start price (0.2 = -20 %). */
  drops: number[];
  fallSeconds: number[];
  backAtSeconds: number;
  durationSeconds: number;
  tickSeconds: number;
}

/** Crashes: a linear fall of `drop` over `seconds`, then flat for `flatSeconds`. */
export interface CrashFamily extends FamilyBase {
  kind: "crash";
  falls: { drop: number; seconds: number }[];
  flatSeconds: number;
  tickSeconds: number;
  /** Keeper gas prices to run every crash at, gwei (the first is the one the targets are judged at). */
  gasPriceGwei: number[];
}

/** Scenarios of the file, run for several seeds. */
export interface ScenarioSetFamily extends FamilyBase {
  kind: "scenarios";
  scenarios: string[];
  /** Target: our borrower loss at most this many times the linear schedule's (mean over seeds). */
  lossVsLinearMax?: number;
}

interface FamilyBase {
  description: string;
  /** Borrower seeds (Monte Carlo paths are seeded by them too). */
  seeds: number[];
  /** Pool depths, for the wick and crash kinds (a scenario set takes each scenario's own). */
  depths?: string[];
}

export type Family = WickFamily | CrashFamily | ScenarioSetFamily;

export interface ScenarioFile {
  defaults: SimDefaults;
  scenarios: Record<string, Scenario>;
  tradeoff: TradeoffSpec;
  families: Record<string, Family>;
}

/** One reference path: prices (USD per collateral token) at `tickSeconds` steps, index 0 at time 0. */
export interface PricePath {
  name: string;
  tickSeconds: number;
  prices: number[];
}

/** Reads and validates a scenario file (src/sim/validate.ts): a bad file fails here, before anything runs. */
export function loadScenarios(file: string): ScenarioFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  return validateScenarioFile(raw, file);
}

/** Price multiplier at `t` seconds on a keyframe path (linear between frames, flat after the last). */
export function keyframeAt(frames: readonly [number, number][], t: number): number {
  if (t <= frames[0][0]) return frames[0][1];
  for (let i = 1; i < frames.length; i++) {
    const [t1, m1] = frames[i];
    if (t <= t1) {
      const [t0, m0] = frames[i - 1];
      return m0 + ((m1 - m0) * (t - t0)) / (t1 - t0);
    }
  }
  return frames[frames.length - 1][1];
}

/** The paths of a scenario: one for keyframes, `paths` for gbm (path i seeded by `seed + i`). */
export function scenarioPaths(
  name: string,
  s: Scenario,
  initialPrice: number,
  seed: number,
  options: { tickSeconds?: number; paths?: number } = {},
): PricePath[] {
  const tick = options.tickSeconds ?? s.tickSeconds;
  const n = Math.floor(s.durationSeconds / tick);
  if (s.kind === "keyframes") {
    const prices = Array.from({ length: n + 1 }, (_, k) => initialPrice * keyframeAt(s.keyframes, k * tick));
    return [{ name, tickSeconds: tick, prices }];
  }
  const count = options.paths ?? s.paths;
  const dtYears = tick / (365 * 86_400);
  const sigma = s.annualVol;
  const jumpRate = (s.jumpsPerDay * tick) / 86_400;
  return Array.from({ length: count }, (_, i) => {
    const rng = new Rng(seed * 1_000 + i + 1);
    const prices = [initialPrice];
    let logP = Math.log(initialPrice);
    for (let k = 1; k <= n; k++) {
      // Driftless in price: the -sigma^2/2 term keeps E[P] constant.
      logP += -0.5 * sigma * sigma * dtYears + sigma * Math.sqrt(dtYears) * rng.normal();
      const jumps = rng.poisson(jumpRate);
      for (let j = 0; j < jumps; j++) logP += s.jumpMean + s.jumpSigma * rng.normal();
      prices.push(Math.exp(logP));
    }
    return { name: `${name}#${i + 1}`, tickSeconds: tick, prices };
  });
}
