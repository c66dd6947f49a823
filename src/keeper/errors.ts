/**
 * Reading errors: what kind of failure an RPC error is (transient, revert, nonce, …), the revert data it
 * carries, and that data decoded against the protocol's ABIs. Pure.
 */
import { AbiCoder, Interface, type ErrorDescription } from "ethers";
import { ChainlinkPriceOracle__factory, LendingMarket__factory } from "../../typechain-types";

export type ErrorKind =
  /** Connection refused or reset, timeout, rate limit, node behind: try again later. */
  | "transient"
  /** The call or transaction reverted. */
  | "revert"
  /** A call ran out of gas (for instance an eth_call above the node's gas cap). */
  | "out-of-gas"
  | "nonce-too-low"
  | "nonce-too-high"
  /** The node already has this exact transaction. */
  | "already-known"
  /** A replacement's fees are not high enough over the pending transaction's. */
  | "underpriced"
  | "insufficient-funds"
  | "fatal";

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "NETWORK_ERROR",
  "TIMEOUT",
  "SERVER_ERROR",
]);

/** Messages of failures worth retrying: the endpoint unreachable, slow, rate-limiting or behind. */
const TRANSIENT_MESSAGE = new RegExp(
  [
    "econnrefused",
    "econnreset",
    "socket hang up",
    "timeout",
    "timed out",
    "aborted",
    "fetch failed",
    "other side closed",
    "network error",
    "rate limit",
    "too many requests",
    "\\b(429|502|503)\\b",
    "header not found",
  ].join("|"),
);

/** Every message in an error and the errors it wraps (ethers nests the node's error under `info`/`error`). */
export function errorMessages(err: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown, depth: number) => {
    if (e === null || e === undefined || depth > 6 || seen.has(e)) return;
    seen.add(e);
    if (typeof e === "string") {
      out.push(e);
      return;
    }
    if (typeof e !== "object") return;
    const o = e as Record<string, unknown>;
    for (const k of ["shortMessage", "message"]) if (typeof o[k] === "string") out.push(o[k] as string);
    for (const k of ["error", "info", "cause", "data"]) walk(o[k], depth + 1);
  };
  walk(err, 0);
  return out;
}

function errorCodes(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e !== null && typeof e === "object"; depth++) {
    const o = e as Record<string, unknown>;
    if (typeof o.code === "string") out.push(o.code);
    e = o.cause ?? o.error;
  }
  return out;
}

/** What kind of failure `err` is. */
export function classifyError(err: unknown): ErrorKind {
  const codes = errorCodes(err);
  const text = errorMessages(err).join(" | ").toLowerCase();
  if (/nonce too low|nonce has already been used|nonce is too low|already been mined/.test(text))
    return "nonce-too-low";
  if (/nonce too high|nonce is too high/.test(text)) return "nonce-too-high";
  if (/already known|known transaction|already imported|alreadyknown/.test(text)) return "already-known";
  if (/underpriced|fee too low|replacement fee/.test(text)) return "underpriced";
  if (/insufficient funds|enough funds/.test(text)) return "insufficient-funds";
  if (
    /out of gas|requires at least \d+ gas|gas required exceeds|exceeds block gas limit|gas cap/.test(text)
  ) {
    return "out-of-gas";
  }
  if (codes.some((c) => TRANSIENT_CODES.has(c))) return "transient";
  if (TRANSIENT_MESSAGE.test(text)) return "transient";
  if (codes.includes("CALL_EXCEPTION") || /revert/.test(text)) return "revert";
  return "fatal";
}

/** The revert data an error carries, when it has some (`0x` alone is returned as such). */
export function revertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown, depth: number): string | undefined => {
    if (e === null || typeof e !== "object" || depth > 6 || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]*$/.test(o.data)) return o.data;
    for (const k of ["data", "error", "info", "cause"]) {
      const found = walk(o[k], depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(err, 0);
}

/** The market's errors (with the ERC-20, ERC-4626, access-control and SafeERC20 ones it inherits) and the oracle's. */
const PROTOCOL_ERRORS = new Interface(
  dedupe([
    ...LendingMarket__factory.abi.filter((f) => f.type === "error"),
    ...ChainlinkPriceOracle__factory.abi.filter((f) => f.type === "error"),
  ]),
);

const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/** Readable form of revert data: a protocol error with its arguments, `Error(string)`, `Panic(code)`, or the hex. */
export function decodeRevert(data: string | undefined): string {
  if (data === undefined) return "no revert data";
  if (data === "0x") return "reverted without data";
  const selector = data.slice(0, 10).toLowerCase();
  try {
    if (selector === ERROR_STRING) {
      return `Error(${JSON.stringify(AbiCoder.defaultAbiCoder().decode(["string"], "0x" + data.slice(10))[0])})`;
    }
    if (selector === PANIC) {
      const code = AbiCoder.defaultAbiCoder().decode(["uint256"], "0x" + data.slice(10))[0] as bigint;
      return `Panic(0x${code.toString(16)})`;
    }
    const parsed: ErrorDescription | null = PROTOCOL_ERRORS.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})`;
  } catch {
    // fall through: undecodable data is shown raw
  }
  return `unknown error ${data.length > 74 ? data.slice(0, 74) + "…" : data}`;
}

/** A one-line description of an error for logs: the decoded revert when there is one, else the first message. */
export function describeError(err: unknown): string {
  if (classifyError(err) === "revert") {
    const data = revertData(err);
    if (data !== undefined) return decodeRevert(data);
  }
  return errorMessages(err)[0] ?? String(err);
}

function dedupe<T extends { name?: string; type: string }>(fragments: readonly T[]): T[] {
  const seen = new Set<string>();
  return fragments.filter((f) => {
    const k = `${f.type}:${f.name ?? ""}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
