/**
 * Keeper configuration: defaults, parsing from a JSON file, environment variables and command-line flags, and
 * validation with every problem listed at once. Pure: the caller reads the file and passes its parsed JSON.
 *
 * Precedence: command line > environment > JSON file > defaults.
 */
import { getAddress, isAddress } from "ethers";
import { DEFAULT_GAS_HEADROOM_BPS } from "./txpolicy";

/** Chains the keeper knows by name. `localhost` and `hardhat` are a local Hardhat node. */
export const KNOWN_NETWORKS: Readonly<Record<string, number>> = {
  mainnet: 1,
  sepolia: 11_155_111,
  holesky: 17_000,
  optimism: 10,
  arbitrum: 42_161,
  base: 8_453,
  polygon: 137,
  localhost: 31_337,
  hardhat: 31_337,
};

export type EvaluationMode = "local" | "full" | "screened";
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Per-market settings, keyed by the market's address. */
export interface MarketSettings {
  /** A PairFlashKeeper-like contract (`step(account, maxRepay, minSeized, minProfit)`) used when the keeper holds
   * no debt tokens. */
  flashKeeper?: string;
  /** Price of one wei of the gas token in debt-token base units, WAD. Absent: the market's oracle price (the
   * collateral is the wrapped gas token, e.g. WETH). */
  gasTokenPriceWad?: bigint;
  /** Minimum net profit of a step, debt-token base units (overrides `minProfit`). */
  minProfit?: bigint;
}

export interface KeeperConfig {
  /** JSON-RPC endpoint, http(s). */
  rpcUrl: string;
  /** 0x-prefixed 32-byte hex key of the keeper's account; optional only in dry-run mode. */
  privateKey?: string;
  /** Network name, one of KNOWN_NETWORKS, or "custom" with an explicit chain id. */
  network: string;
  /** Chain id the RPC endpoint must report. */
  chainId: number;
  /** MarketFactory whose markets are watched. */
  factory: string;
  /** Allowlist of markets (checksummed); empty: every market of the factory. */
  markets: string[];
  /** MarketLens whose `positionStates` the `full` and `screened` evaluations call (not needed by `local`). */
  lens?: string;
  /** Block from which events are indexed (the factory's deployment block is enough). */
  startBlock: number;
  /** Largest block range of one eth_getLogs request. */
  logRangeBlocks: number;
  /** How often the head is polled, ms. */
  pollIntervalMs: number;
  /** How often the factory is asked for new markets, in blocks. */
  discoveryIntervalBlocks: number;
  /** Accounts per `positionStates` call (halved automatically when a call runs out of gas). */
  pageSize: number;
  /** `local` (default): every position each block, from its stored word (`packedPositions`) and the market's
   * state, with the contract's arithmetic (src/sdk). `full`: every position through the `positionStates` view.
   * `screened`: `positionStates` only for positions that can be in the soft or hard zone (by their last on-chain
   * soft liquidation price and the borrow index), those touched by events, and a rotating slice of the rest. */
  evaluation: EvaluationMode;
  /** Screened mode: each position is evaluated on chain at least once per this many blocks (0: never forced). */
  refreshBlocks: number;
  /** Screened mode: safety margin on the soft liquidation price, bps. */
  screenMarginBps: number;
  /** Minimum net profit of a step, debt-token base units (each market in its own debt token). */
  minProfit: bigint;
  /** Run hard-zone steps even when unprofitable. */
  actOnHardZone: boolean;
  /** Run steps that realise bad debt even when unprofitable. */
  actOnBadDebt: boolean;
  /** Gas assumed for a step before it is simulated (the simulation's estimate replaces it). */
  gasPerStep: bigint;
  /** Extra gas over the estimate in the transaction's limit, bps. */
  gasHeadroomBps: number;
  /** Smallest collateral accepted, as bps of the previewed amount (slippage guard). */
  minSeizedBps: number;
  /** Transactions pending at once. */
  maxInFlight: number;
  /** Lowest priority fee offered, wei. */
  priorityFeeWei: bigint;
  /** Highest max fee ever offered, wei. */
  maxFeePerGasWei: bigint;
  /** Fee increase of a replacement, bps (at least 1000: nodes require +10 %). */
  feeBumpBps: number;
  /** A transaction pending this long is replaced with higher fees, ms. */
  stuckAfterMs: number;
  /** …or pending for this many blocks (0: time only). */
  stuckAfterBlocks: number;
  /** Attempts of one RPC call on transient errors. */
  rpcAttempts: number;
  /** Backoff after an RPC error: first delay and cap, ms. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Cooldown of a position after a failed or refused step: first delay and cap, ms (doubles per failure). */
  cooldownBaseMs: number;
  cooldownMaxMs: number;
  /** Send `updatePriceState` on a market with unconfirmed (wick-filtered) positions at most this often, seconds
   * of chain time; 0 disables. */
  pokeIntervalSeconds: number;
  /** Evaluate and log decisions, send nothing. */
  dryRun: boolean;
  /** Prometheus endpoint port on 127.0.0.1; 0 picks a free port; undefined disables it. */
  metricsPort?: number;
  logLevel: LogLevel;
  /** Per-market settings, keyed by checksummed market address. */
  marketSettings: Record<string, MarketSettings>;
}

export const DEFAULTS = {
  network: "localhost",
  markets: [] as string[],
  startBlock: 0,
  logRangeBlocks: 2_000,
  pollIntervalMs: 1_000,
  discoveryIntervalBlocks: 50,
  pageSize: 800,
  evaluation: "local" as EvaluationMode,
  refreshBlocks: 50,
  screenMarginBps: 50,
  minProfit: 0n,
  actOnHardZone: true,
  actOnBadDebt: true,
  gasPerStep: 250_000n,
  gasHeadroomBps: DEFAULT_GAS_HEADROOM_BPS,
  minSeizedBps: 5_000,
  maxInFlight: 4,
  priorityFeeWei: 1_000_000_000n,
  maxFeePerGasWei: 500_000_000_000n,
  feeBumpBps: 1_250,
  stuckAfterMs: 30_000,
  stuckAfterBlocks: 3,
  rpcAttempts: 4,
  retryBaseMs: 250,
  retryMaxMs: 10_000,
  cooldownBaseMs: 15_000,
  cooldownMaxMs: 600_000,
  pokeIntervalSeconds: 120,
  dryRun: false,
  metricsPort: 9_464 as number | undefined,
  logLevel: "info" as LogLevel,
} as const;

/** Environment variable → config key. Values are strings; lists are comma-separated. */
export const ENV_KEYS: Readonly<Record<string, keyof KeeperConfig | "configFile">> = {
  KEEPER_CONFIG: "configFile",
  KEEPER_RPC_URL: "rpcUrl",
  KEEPER_PRIVATE_KEY: "privateKey",
  KEEPER_NETWORK: "network",
  KEEPER_CHAIN_ID: "chainId",
  KEEPER_FACTORY: "factory",
  KEEPER_MARKETS: "markets",
  KEEPER_LENS: "lens",
  KEEPER_START_BLOCK: "startBlock",
  KEEPER_LOG_RANGE_BLOCKS: "logRangeBlocks",
  KEEPER_POLL_INTERVAL_MS: "pollIntervalMs",
  KEEPER_DISCOVERY_INTERVAL_BLOCKS: "discoveryIntervalBlocks",
  KEEPER_PAGE_SIZE: "pageSize",
  KEEPER_EVALUATION: "evaluation",
  KEEPER_REFRESH_BLOCKS: "refreshBlocks",
  KEEPER_SCREEN_MARGIN_BPS: "screenMarginBps",
  KEEPER_MIN_PROFIT: "minProfit",
  KEEPER_ACT_ON_HARD_ZONE: "actOnHardZone",
  KEEPER_ACT_ON_BAD_DEBT: "actOnBadDebt",
  KEEPER_GAS_PER_STEP: "gasPerStep",
  KEEPER_GAS_HEADROOM_BPS: "gasHeadroomBps",
  KEEPER_MIN_SEIZED_BPS: "minSeizedBps",
  KEEPER_MAX_IN_FLIGHT: "maxInFlight",
  KEEPER_PRIORITY_FEE_WEI: "priorityFeeWei",
  KEEPER_MAX_FEE_PER_GAS_WEI: "maxFeePerGasWei",
  KEEPER_FEE_BUMP_BPS: "feeBumpBps",
  KEEPER_STUCK_AFTER_MS: "stuckAfterMs",
  KEEPER_STUCK_AFTER_BLOCKS: "stuckAfterBlocks",
  KEEPER_RPC_ATTEMPTS: "rpcAttempts",
  KEEPER_RETRY_BASE_MS: "retryBaseMs",
  KEEPER_RETRY_MAX_MS: "retryMaxMs",
  KEEPER_COOLDOWN_BASE_MS: "cooldownBaseMs",
  KEEPER_COOLDOWN_MAX_MS: "cooldownMaxMs",
  KEEPER_POKE_INTERVAL_SECONDS: "pokeIntervalSeconds",
  KEEPER_DRY_RUN: "dryRun",
  KEEPER_METRICS_PORT: "metricsPort",
  KEEPER_LOG_LEVEL: "logLevel",
  /** JSON object keyed by market address (see MarketSettings). */
  KEEPER_MARKET_SETTINGS: "marketSettings",
};

/** What the command line asks for. */
export interface CliArgs {
  configFile?: string;
  dryRun?: boolean;
  help?: boolean;
  /** Flags given as `--key value` for any config key (camelCase or kebab-case). */
  overrides: Record<string, string>;
  errors: string[];
}

/** Parses `--config <file>`, `--dry-run`, `--help` and `--<key> <value>` / `--<key>=<value>`. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { overrides: {}, errors: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      out.errors.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = kebabToCamel(arg.slice(2, eq < 0 ? undefined : eq));
    if (name === "dryRun" && eq < 0) {
      out.dryRun = true;
      continue;
    }
    if (name === "help") {
      out.help = true;
      continue;
    }
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) {
        out.errors.push(`--${arg.slice(2)} needs a value`);
        continue;
      }
      i++;
    }
    if (name === "config") out.configFile = value;
    else out.overrides[name] = value;
  }
  return out;
}

export type ConfigResult = { ok: true; config: KeeperConfig } | { ok: false; errors: string[] };

export interface ConfigSources {
  /** Parsed JSON of the config file, if any. */
  file?: unknown;
  env?: Readonly<Record<string, string | undefined>>;
  cli?: CliArgs;
}

/** Merges the sources over the defaults and validates the result; every problem is reported. */
export function resolveConfig(sources: ConfigSources): ConfigResult {
  const errors: string[] = [];
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};

  if (sources.file !== undefined) {
    if (typeof sources.file !== "object" || sources.file === null || Array.isArray(sources.file)) {
      errors.push("config file: must hold a JSON object");
    } else {
      for (const [k, v] of Object.entries(sources.file as Record<string, unknown>)) {
        raw[k] = v;
        origin[k] = `config file "${k}"`;
      }
    }
  }
  for (const [envName, key] of Object.entries(ENV_KEYS)) {
    const v = sources.env?.[envName];
    if (v === undefined || v === "" || key === "configFile") continue;
    raw[key] = v;
    origin[key] = envName;
  }
  for (const [k, v] of Object.entries(sources.cli?.overrides ?? {})) {
    raw[k] = v;
    origin[k] = `--${camelToKebab(k)}`;
  }
  if (sources.cli?.dryRun) {
    raw.dryRun = true;
    origin.dryRun = "--dry-run";
  }
  errors.push(...(sources.cli?.errors ?? []));

  const known = new Set<string>([
    ...Object.keys(DEFAULTS),
    "rpcUrl",
    "privateKey",
    "chainId",
    "factory",
    "lens",
  ]);
  known.add("marketSettings");
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) errors.push(`${origin[k]}: unknown setting "${k}"`);
  }

  const where = (k: string) => origin[k] ?? k;
  const r = new Reader(raw, where, errors);

  const rpcUrl = r.string("rpcUrl");
  if (rpcUrl === undefined)
    errors.push("rpcUrl is missing (set KEEPER_RPC_URL or rpcUrl in the config file)");
  else if (!isHttpUrl(rpcUrl)) errors.push(`${where("rpcUrl")}: "${rpcUrl}" is not an http(s) URL`);

  const dryRun = r.bool("dryRun") ?? DEFAULTS.dryRun;
  const privateKey = r.string("privateKey");
  if (privateKey === undefined) {
    if (!dryRun)
      errors.push("privateKey is missing (set KEEPER_PRIVATE_KEY; only --dry-run runs without a key)");
  } else if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey) || /^0x0{64}$/.test(privateKey)) {
    // Never echo the value: it may be a real key with a typo.
    errors.push(`${where("privateKey")}: not a 0x-prefixed 32-byte hex private key`);
  }

  const network = r.string("network") ?? DEFAULTS.network;
  const explicitChainId = r.int("chainId", 1);
  let chainId = KNOWN_NETWORKS[network];
  if (network === "custom") {
    if (explicitChainId === undefined) errors.push('network "custom" needs chainId (KEEPER_CHAIN_ID)');
    chainId = explicitChainId ?? 0;
  } else if (chainId === undefined) {
    errors.push(
      `${where("network")}: unknown network "${network}" (known: ${Object.keys(KNOWN_NETWORKS).join(", ")}, ` +
        `or "custom" with chainId)`,
    );
    chainId = explicitChainId ?? 0;
  } else if (explicitChainId !== undefined && explicitChainId !== chainId) {
    errors.push(
      `${where("chainId")}: chain id ${explicitChainId} does not match network "${network}" (${chainId})`,
    );
  }

  const factory = r.address("factory");
  if (factory === undefined && raw.factory === undefined) {
    errors.push("factory is missing (set KEEPER_FACTORY to the MarketFactory address)");
  }
  const markets = r.addressList("markets") ?? [];

  const evaluation = r.string("evaluation") ?? DEFAULTS.evaluation;
  if (evaluation !== "local" && evaluation !== "full" && evaluation !== "screened") {
    errors.push(`${where("evaluation")}: must be "local", "full" or "screened", not "${evaluation}"`);
  }
  const lens = r.address("lens");
  if (lens === undefined && raw.lens === undefined && (evaluation === "full" || evaluation === "screened")) {
    errors.push(`evaluation "${evaluation}" needs lens (set KEEPER_LENS to the MarketLens address)`);
  }
  const logLevel = r.string("logLevel") ?? DEFAULTS.logLevel;
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    errors.push(`${where("logLevel")}: must be debug, info, warn or error`);
  }
  const metricsPortRaw = raw.metricsPort;
  let metricsPort: number | undefined = DEFAULTS.metricsPort;
  if (metricsPortRaw === "off" || metricsPortRaw === "none" || metricsPortRaw === null)
    metricsPort = undefined;
  else if (metricsPortRaw !== undefined) metricsPort = r.int("metricsPort", 0, 65_535);

  const feeBumpBps = r.int("feeBumpBps", 1_000, 100_000) ?? DEFAULTS.feeBumpBps;
  const priorityFeeWei = r.bigint("priorityFeeWei") ?? DEFAULTS.priorityFeeWei;
  const maxFeePerGasWei = r.bigint("maxFeePerGasWei") ?? DEFAULTS.maxFeePerGasWei;
  if (maxFeePerGasWei < priorityFeeWei) {
    errors.push(`maxFeePerGasWei (${maxFeePerGasWei}) is below priorityFeeWei (${priorityFeeWei})`);
  }
  const retryBaseMs = r.int("retryBaseMs", 1) ?? DEFAULTS.retryBaseMs;
  const retryMaxMs = r.int("retryMaxMs", 1) ?? DEFAULTS.retryMaxMs;
  if (retryMaxMs < retryBaseMs) errors.push("retryMaxMs is below retryBaseMs");
  const cooldownBaseMs = r.int("cooldownBaseMs", 0) ?? DEFAULTS.cooldownBaseMs;
  const cooldownMaxMs = r.int("cooldownMaxMs", 0) ?? DEFAULTS.cooldownMaxMs;
  if (cooldownMaxMs < cooldownBaseMs) errors.push("cooldownMaxMs is below cooldownBaseMs");

  const marketSettings = parseMarketSettings(raw.marketSettings, where("marketSettings"), errors);

  const config: KeeperConfig = {
    rpcUrl: rpcUrl ?? "",
    privateKey,
    network,
    chainId,
    factory: factory ?? "",
    markets,
    ...(lens === undefined ? {} : { lens }),
    startBlock: r.int("startBlock", 0) ?? DEFAULTS.startBlock,
    logRangeBlocks: r.int("logRangeBlocks", 1) ?? DEFAULTS.logRangeBlocks,
    pollIntervalMs: r.int("pollIntervalMs", 10) ?? DEFAULTS.pollIntervalMs,
    discoveryIntervalBlocks: r.int("discoveryIntervalBlocks", 1) ?? DEFAULTS.discoveryIntervalBlocks,
    pageSize: r.int("pageSize", 1, 10_000) ?? DEFAULTS.pageSize,
    evaluation: evaluation as EvaluationMode,
    refreshBlocks: r.int("refreshBlocks", 0) ?? DEFAULTS.refreshBlocks,
    screenMarginBps: r.int("screenMarginBps", 0, 5_000) ?? DEFAULTS.screenMarginBps,
    minProfit: r.bigint("minProfit", true) ?? DEFAULTS.minProfit,
    actOnHardZone: r.bool("actOnHardZone") ?? DEFAULTS.actOnHardZone,
    actOnBadDebt: r.bool("actOnBadDebt") ?? DEFAULTS.actOnBadDebt,
    gasPerStep: r.bigint("gasPerStep") ?? DEFAULTS.gasPerStep,
    gasHeadroomBps: r.int("gasHeadroomBps", 0, 50_000) ?? DEFAULTS.gasHeadroomBps,
    minSeizedBps: r.int("minSeizedBps", 0, 10_000) ?? DEFAULTS.minSeizedBps,
    maxInFlight: r.int("maxInFlight", 1, 256) ?? DEFAULTS.maxInFlight,
    priorityFeeWei,
    maxFeePerGasWei,
    feeBumpBps,
    stuckAfterMs: r.int("stuckAfterMs", 1) ?? DEFAULTS.stuckAfterMs,
    stuckAfterBlocks: r.int("stuckAfterBlocks", 0) ?? DEFAULTS.stuckAfterBlocks,
    rpcAttempts: r.int("rpcAttempts", 1, 20) ?? DEFAULTS.rpcAttempts,
    retryBaseMs,
    retryMaxMs,
    cooldownBaseMs,
    cooldownMaxMs,
    pokeIntervalSeconds: r.int("pokeIntervalSeconds", 0) ?? DEFAULTS.pokeIntervalSeconds,
    dryRun,
    metricsPort,
    logLevel: logLevel as LogLevel,
    marketSettings,
  };
  return errors.length === 0 ? { ok: true, config } : { ok: false, errors };
}

/** The error to report when the endpoint's chain id is not the configured one; undefined when they match. */
export function chainIdMismatch(
  config: Pick<KeeperConfig, "chainId" | "network" | "rpcUrl">,
  actual: bigint,
) {
  if (actual === BigInt(config.chainId)) return undefined;
  return (
    `chain id mismatch: ${redactUrl(config.rpcUrl)} reports chain ${actual}, but network "${config.network}" ` +
    `expects ${config.chainId}`
  );
}

/** The URL without credentials or query string (API keys often live there), for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const auth = u.username || u.password ? "***@" : "";
    return `${u.protocol}//${auth}${u.host}${u.pathname === "/" ? "" : "/…"}`;
  } catch {
    return "<invalid url>";
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

/** A config with secrets removed, for the start-up log. */
export function describeConfig(c: KeeperConfig): Record<string, unknown> {
  return { ...c, privateKey: c.privateKey ? "<set>" : "<none>", rpcUrl: redactUrl(c.rpcUrl) };
}

// ---------------------------------------------------------------- internals

function parseMarketSettings(
  value: unknown,
  where: string,
  errors: string[],
): Record<string, MarketSettings> {
  if (value === undefined) return {};
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      errors.push(`${where}: not valid JSON`);
      return {};
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    errors.push(`${where}: must be an object keyed by market address`);
    return {};
  }
  const out: Record<string, MarketSettings> = {};
  for (const [market, s] of Object.entries(v as Record<string, unknown>)) {
    if (!isAddress(market)) {
      errors.push(`${where}: "${market}" is not an address`);
      continue;
    }
    if (typeof s !== "object" || s === null) {
      errors.push(`${where}.${market}: must be an object`);
      continue;
    }
    const r = new Reader(s as Record<string, unknown>, (k) => `${where}.${market}.${k}`, errors);
    for (const k of Object.keys(s)) {
      if (!["flashKeeper", "gasTokenPriceWad", "minProfit"].includes(k)) {
        errors.push(`${where}.${market}: unknown setting "${k}"`);
      }
    }
    out[getAddress(market)] = {
      flashKeeper: r.address("flashKeeper"),
      gasTokenPriceWad: r.bigint("gasTokenPriceWad"),
      minProfit: r.bigint("minProfit", true),
    };
  }
  return out;
}

/** Typed reads of raw values (strings from the environment, JSON values from the file) with error collection. */
class Reader {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly where: (key: string) => string,
    private readonly errors: string[],
  ) {}

  string(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") {
      this.errors.push(`${this.where(key)}: must be a string`);
      return undefined;
    }
    return v.trim();
  }

  int(key: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) {
      this.errors.push(`${this.where(key)}: "${String(v)}" is not an integer`);
      return undefined;
    }
    if (n < min || n > max) {
      this.errors.push(`${this.where(key)}: ${n} is out of range [${min}, ${max}]`);
      return undefined;
    }
    return n;
  }

  bigint(key: string, allowZero = false): bigint | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    const s =
      typeof v === "number" && Number.isSafeInteger(v) ? String(v) : typeof v === "string" ? v.trim() : "";
    if (!/^\d+$/.test(s)) {
      this.errors.push(
        `${this.where(key)}: "${String(v)}" is not a non-negative integer (use a decimal string)`,
      );
      return undefined;
    }
    const n = BigInt(s);
    if (n === 0n && !allowZero) {
      this.errors.push(`${this.where(key)}: must be positive`);
      return undefined;
    }
    return n;
  }

  bool(key: string): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "boolean") return v;
    if (typeof v === "string" && ["true", "1", "yes"].includes(v.trim().toLowerCase())) return true;
    if (typeof v === "string" && ["false", "0", "no"].includes(v.trim().toLowerCase())) return false;
    this.errors.push(`${this.where(key)}: "${String(v)}" is not a boolean (true/false)`);
    return undefined;
  }

  address(key: string): string | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!isAddress(v)) {
      this.errors.push(`${this.where(key)}: "${v}" is not an address`);
      return undefined;
    }
    return getAddress(v.toLowerCase());
  }

  addressList(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    const items = Array.isArray(v)
      ? v
      : typeof v === "string"
        ? v.split(",").filter((s) => s.trim() !== "")
        : null;
    if (items === null) {
      this.errors.push(`${this.where(key)}: must be a list of addresses`);
      return undefined;
    }
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== "string" || !isAddress(item.trim())) {
        this.errors.push(`${this.where(key)}: "${String(item)}" is not an address`);
      } else out.push(getAddress(item.trim().toLowerCase()));
    }
    return out;
  }
}

function kebabToCamel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function camelToKebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
