/**
 * Checks a scenario file before anything is deployed: every field's type, range and cross-reference, so that a
 * bad file gets one clear error naming the field (`scenarios.wick.keyframes[2][0]: ...`) instead of a run that
 * dies half-way. Keyframe prices must stay within the oracle's accepted answers; Monte Carlo paths are checked
 * when they are drawn (`checkPathPrices`).
 */
import { defaultMarketParams } from "../sdk/params";
import { SCENARIO_TARGETS } from "./report";
import type { PricePath, ScenarioFile } from "./scenarios";

/** The oracle of the local deployment accepts $1 to $1,000,000 (scripts/lib/local-deployment.ts). */
export const MIN_PRICE_USD = 1;
export const MAX_PRICE_USD = 1_000_000;
/** The oracle's heartbeat: a feed updated more rarely than this goes stale. */
const ORACLE_HEARTBEAT_SECONDS = 3_600;
/** Borrowers per world: the set-up opens them in batches of 200, and the keeper plans them all each tick. */
const MAX_BORROWERS = 2_000;

export class ScenarioFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field}: ${problem}`);
  }
}

type Obj = Record<string, unknown>;

/** Field checks with the path of the field in the file. */
class Checker {
  constructor(private readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new ScenarioFileError(this.file, field, problem);
  }

  object(v: unknown, field: string): Obj {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(field, "must be an object");
    return v as Obj;
  }

  array(v: unknown, field: string, minLength = 1): unknown[] {
    if (!Array.isArray(v)) this.fail(field, "must be an array");
    if (v.length < minLength) this.fail(field, `must hold at least ${minLength} item(s)`);
    return v;
  }

  string(v: unknown, field: string): string {
    if (typeof v !== "string" || v.length === 0) this.fail(field, "must be a non-empty string");
    return v;
  }

  /** A finite number in [min, max] (`open`: excluding min), an integer if asked. */
  number(
    v: unknown,
    field: string,
    range: { min?: number; max?: number; above?: number; integer?: boolean } = {},
  ): number {
    if (typeof v !== "number" || !Number.isFinite(v))
      this.fail(field, `must be a number, got ${JSON.stringify(v)}`);
    if (range.integer && !Number.isInteger(v)) this.fail(field, `must be an integer, got ${v}`);
    if (range.above !== undefined && !(v > range.above))
      this.fail(field, `must be above ${range.above}, got ${v}`);
    if (range.min !== undefined && v < range.min) this.fail(field, `must be at least ${range.min}, got ${v}`);
    if (range.max !== undefined && v > range.max) this.fail(field, `must be at most ${range.max}, got ${v}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    if (!allowed.includes(v as T))
      this.fail(field, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  price(usd: number, field: string): void {
    if (!(usd >= MIN_PRICE_USD && usd <= MAX_PRICE_USD)) {
      this.fail(
        field,
        `gives a price of $${usd}, outside the oracle's $${MIN_PRICE_USD} to $${MAX_PRICE_USD}`,
      );
    }
  }
}

/** Validates `raw` (parsed JSON) as a scenario file; returns it typed, or throws `ScenarioFileError`. */
export function validateScenarioFile(raw: unknown, file = "scenario file"): ScenarioFile {
  const c = new Checker(file);
  const root = c.object(raw, "(file)");
  const defaults = c.object(root.defaults, "defaults");
  const d = (k: string) => `defaults.${k}`;
  c.number(defaults.seed, d("seed"), { min: 0, integer: true });
  c.number(defaults.borrowers, d("borrowers"), { min: 1, max: MAX_BORROWERS, integer: true });
  const initialPrice = c.number(defaults.initialPrice, d("initialPrice"), { above: 0 });
  c.price(initialPrice, d("initialPrice"));
  const range = c.array(defaults.ltvRange, d("ltvRange"), 2);
  if (range.length !== 2) c.fail(d("ltvRange"), "must be [low, high]");
  const maxLtv = defaultMarketParams().maxLtvBps / 1e4;
  const lo = c.number(range[0], `${d("ltvRange")}[0]`, { above: 0, max: maxLtv });
  c.number(range[1], `${d("ltvRange")}[1]`, { min: lo, max: maxLtv });
  c.number(defaults.collateralMedian, d("collateralMedian"), { above: 0 });
  c.number(defaults.collateralSigma, d("collateralSigma"), { min: 0, max: 5 });
  c.number(defaults.collateralMin, d("collateralMin"), { above: 0 });
  c.number(defaults.utilization, d("utilization"), { above: 0, max: 1 });
  c.number(defaults.feedDeviation, d("feedDeviation"), { min: 0, max: 0.5 });
  c.number(defaults.feedHeartbeatSeconds, d("feedHeartbeatSeconds"), {
    above: 0,
    max: ORACLE_HEARTBEAT_SECONDS,
    integer: true,
  });
  c.number(defaults.arbCapacityPerMinute, d("arbCapacityPerMinute"), { min: 0, max: 1 });
  c.number(defaults.gasPriceGwei, d("gasPriceGwei"), { min: 0, max: 10_000 });
  c.number(defaults.gasPerStepEstimate, d("gasPerStepEstimate"), { min: 0, integer: true });
  const depths = c.object(defaults.depths, d("depths"));
  if (Object.keys(depths).length === 0) c.fail(d("depths"), "must name at least one pool depth");
  for (const [name, x] of Object.entries(depths))
    c.number(x, `${d("depths")}.${name}`, { above: 0, max: 1_000 });
  const samples = c.array(defaults.samplePositionLtvs, d("samplePositionLtvs"));
  samples.forEach((x, i) => c.number(x, `${d("samplePositionLtvs")}[${i}]`, { above: 0, max: 1 }));

  const depthList = (v: unknown, field: string) =>
    c.array(v, field).map((x, i) => c.oneOf(x, `${field}[${i}]`, Object.keys(depths)));
  const tick = (v: unknown, field: string) => c.number(v, field, { min: 1, max: 86_400, integer: true });

  const scenarios = c.object(root.scenarios, "scenarios");
  for (const [name, value] of Object.entries(scenarios)) {
    const f = (k: string) => `scenarios.${name}.${k}`;
    const s = c.object(value, `scenarios.${name}`);
    c.string(s.description, f("description"));
    const kind = c.oneOf(s.kind, f("kind"), ["keyframes", "gbm"] as const);
    const tickSeconds = tick(s.tickSeconds, f("tickSeconds"));
    c.number(s.durationSeconds, f("durationSeconds"), { min: tickSeconds, max: 30 * 86_400, integer: true });
    c.oneOf(s.recovery, f("recovery"), ["end", "max"] as const);
    depthList(s.depths, f("depths"));
    c.array(s.targets, f("targets"), 0).forEach((x, i) =>
      c.oneOf(x, `${f("targets")}[${i}]`, SCENARIO_TARGETS),
    );
    if (kind === "keyframes") checkKeyframes(c, s.keyframes, f("keyframes"), initialPrice);
    else {
      c.number(s.annualVol, f("annualVol"), { min: 0, max: 20 });
      c.number(s.jumpsPerDay, f("jumpsPerDay"), { min: 0, max: 1_000 });
      c.number(s.jumpMean, f("jumpMean"), { min: -5, max: 5 });
      c.number(s.jumpSigma, f("jumpSigma"), { min: 0, max: 5 });
      c.number(s.paths, f("paths"), { min: 1, max: 10_000, integer: true });
    }
  }

  const t = c.object(root.tradeoff, "tradeoff");
  c.string(t.description, "tradeoff.description");
  c.array(t.confirmDelaySeconds, "tradeoff.confirmDelaySeconds").forEach((x, i) =>
    c.number(x, `tradeoff.confirmDelaySeconds[${i}]`, { min: 0, max: 86_400, integer: true }),
  );
  for (const k of ["wickScenario", "crashScenario"]) c.oneOf(t[k], `tradeoff.${k}`, Object.keys(scenarios));
  for (const k of ["wickDepth", "crashDepth"]) c.oneOf(t[k], `tradeoff.${k}`, Object.keys(depths));

  const families = c.object(root.families ?? {}, "families");
  for (const [name, value] of Object.entries(families)) {
    const f = (k: string) => `families.${name}.${k}`;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
      c.fail(`families.${name}`, "a family's name must be lowercase letters, digits and -");
    if (name in scenarios || name === "wick-filter")
      c.fail(`families.${name}`, "a family's name must not be a scenario's (their reports share reports/)");
    const fam = c.object(value, `families.${name}`);
    c.string(fam.description, f("description"));
    c.array(fam.seeds, f("seeds")).forEach((x, i) =>
      c.number(x, `${f("seeds")}[${i}]`, { min: 0, integer: true }),
    );
    const kind = c.oneOf(fam.kind, f("kind"), ["wick", "crash", "scenarios"] as const);
    if (kind === "scenarios") {
      c.array(fam.scenarios, f("scenarios")).forEach((x, i) =>
        c.oneOf(x, `${f("scenarios")}[${i}]`, Object.keys(scenarios)),
      );
      if (fam.lossVsLinearMax !== undefined)
        c.number(fam.lossVsLinearMax, f("lossVsLinearMax"), { above: 0 });
      continue;
    }
    depthList(fam.depths, f("depths"));
    const tickSeconds = tick(fam.tickSeconds, f("tickSeconds"));
    if (kind === "wick") {
      const back = c.number(fam.backAtSeconds, f("backAtSeconds"), { min: tickSeconds, integer: true });
      c.number(fam.durationSeconds, f("durationSeconds"), { min: back, max: 30 * 86_400, integer: true });
      c.array(fam.drops, f("drops")).forEach((x, i) => {
        const drop = c.number(x, `${f("drops")}[${i}]`, { above: 0, max: 0.99 });
        c.price(initialPrice * (1 - drop), `${f("drops")}[${i}]`);
      });
      c.array(fam.fallSeconds, f("fallSeconds")).forEach((x, i) =>
        c.number(x, `${f("fallSeconds")}[${i}]`, { min: 1, max: back - 1, integer: true }),
      );
    } else {
      c.number(fam.flatSeconds, f("flatSeconds"), { min: 0, max: 30 * 86_400, integer: true });
      c.array(fam.falls, f("falls")).forEach((x, i) => {
        const fall = c.object(x, `${f("falls")}[${i}]`);
        const drop = c.number(fall.drop, `${f("falls")}[${i}].drop`, { above: 0, max: 0.99 });
        c.price(initialPrice * (1 - drop), `${f("falls")}[${i}].drop`);
        c.number(fall.seconds, `${f("falls")}[${i}].seconds`, { min: 1, max: 30 * 86_400, integer: true });
      });
      c.array(fam.gasPriceGwei, f("gasPriceGwei")).forEach((x, i) =>
        c.number(x, `${f("gasPriceGwei")}[${i}]`, { min: 0, max: 10_000 }),
      );
    }
  }
  return raw as ScenarioFile;
}

function checkKeyframes(c: Checker, v: unknown, field: string, initialPrice: number): void {
  const frames = c.array(v, field);
  let last = -1;
  frames.forEach((frame, i) => {
    const pair = c.array(frame, `${field}[${i}]`, 2);
    if (pair.length !== 2) c.fail(`${field}[${i}]`, "must be [seconds, price multiplier]");
    const t = c.number(pair[0], `${field}[${i}][0]`, { min: 0, integer: true });
    if (i === 0 && t !== 0) c.fail(`${field}[0][0]`, `the first keyframe must be at 0 s, got ${t}`);
    if (i > 0 && t <= last) c.fail(`${field}[${i}][0]`, `keyframe times must increase: ${t} after ${last}`);
    last = t;
    const m = c.number(pair[1], `${field}[${i}][1]`, { above: 0 });
    c.price(initialPrice * m, `${field}[${i}][1]`);
  });
}

/** A drawn path's prices must stay within the oracle's bounds too (a Monte Carlo path is drawn, not written). */
export function checkPathPrices(path: PricePath, scenario: string): void {
  path.prices.forEach((p, k) => {
    if (!(p >= MIN_PRICE_USD && p <= MAX_PRICE_USD)) {
      throw new ScenarioFileError(
        "scenario file",
        `scenarios.${scenario}`,
        `path ${path.name} reaches $${p} at tick ${k}, outside the oracle's $${MIN_PRICE_USD} to $${MAX_PRICE_USD}`,
      );
    }
  });
}
