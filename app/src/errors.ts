/**
 * Turns a failed call or transaction into a readable message: the revert data is decoded against the custom
 * errors of every contract a call can reach (market, oracle, tokens, factory) with ethers' `Interface.parseError`,
 * and enum arguments are shown by name. Raw hex is never shown; an unknown error is reported by its selector.
 */
import { ErrorDescription, Interface, isHexString, type InterfaceAbi } from "ethers";
import { abis, OracleStatus, StepStatus, Zone } from "../../src/frontend";

interface AbiItem {
  type: string;
  name?: string;
  inputs?: readonly { name: string; type: string; internalType?: string }[];
}

/** Every custom error of the contracts the app calls (the same error in several ABIs is listed once). */
const ERROR_ITEMS: AbiItem[] = (() => {
  const seen = new Map<string, AbiItem>();
  for (const abi of [abis.LendingMarket, abis.ChainlinkPriceOracle, abis.ERC20, abis.MarketFactory]) {
    for (const item of abi as readonly AbiItem[]) {
      if (item.type !== "error") continue;
      const signature = `${item.name}(${(item.inputs ?? []).map((i) => i.type).join(",")})`;
      if (!seen.has(signature)) seen.set(signature, item);
    }
  }
  return [...seen.values()];
})();

const errors = new Interface(ERROR_ITEMS as InterfaceAbi);

/** Solidity enums that appear in error arguments, by their `internalType`. */
const ENUMS: Record<string, Record<number, string>> = {
  "enum StepStatus": StepStatus,
  "enum OracleStatus": OracleStatus,
  "enum Zone": Zone,
};

export interface DecodedError {
  /** The custom error's name, e.g. `MarketStepNotAllowed`, or `Error` / `Panic` for the built-in ones. */
  name: string;
  args: { name: string; value: string }[];
  /** `MarketStepNotAllowed(status: Healthy, nextAt: 0)`. */
  text: string;
}

/** The revert data carried by an ethers error (or a wallet's EIP-1193 error), wherever it is nested. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (value: unknown): string | undefined => {
    if (typeof value !== "object" || value === null || seen.has(value)) return undefined;
    seen.add(value);
    const v = value as Record<string, unknown>;
    if (typeof v.data === "string" && isHexString(v.data) && v.data.length >= 10) return v.data;
    for (const key of ["data", "error", "info", "cause", "payload"]) {
      const found = visit(v[key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(error);
}

/** `MarketStepNotAllowed(status: Healthy, nextAt: 0)`: a decoded error, or a refusal the previews foresee. */
export const errorText = (name: string, args: readonly { name: string; value: string }[]): string =>
  `${name}(${args.map((a) => `${a.name}: ${a.value}`).join(", ")})`;

/** Decodes revert data; undefined when it matches no known error. */
export function decodeRevert(data: string): DecodedError | undefined {
  let parsed: ErrorDescription | null = null;
  try {
    parsed = errors.parseError(data);
  } catch {
    parsed = null;
  }
  if (parsed === null) return undefined;
  const item = ERROR_ITEMS.find(
    (e) => e.name === parsed.name && (e.inputs ?? []).length === parsed.args.length,
  );
  const args = parsed.fragment.inputs.map((input, i) => {
    const raw: unknown = parsed.args[i];
    const enumNames = ENUMS[item?.inputs?.[i]?.internalType ?? ""];
    const value = enumNames !== undefined ? (enumNames[Number(raw)] ?? String(raw)) : String(raw);
    return { name: input.name || `arg${i}`, value };
  });
  return { name: parsed.name, args, text: errorText(parsed.name, args) };
}

/** A message for any error thrown by a call, a transaction or a wallet. */
export function describeError(error: unknown): string {
  const data = revertData(error);
  if (data !== undefined) {
    const decoded = decodeRevert(data);
    if (decoded !== undefined) return `Reverted: ${decoded.text}`;
    return `Reverted with an unknown error (selector ${data.slice(0, 10)})`;
  }
  const e = error as { code?: unknown; shortMessage?: string; message?: string; reason?: string };
  if (e?.code === "ACTION_REJECTED" || e?.code === 4001) return "Rejected in the wallet";
  if (typeof e?.reason === "string" && e.reason) return `Reverted: ${e.reason}`;
  const message = nodeMessage(error) ?? e?.shortMessage ?? e?.message ?? String(error);
  // Never show long hex blobs (calldata, revert data) to people.
  return message.replace(/0x[0-9a-fA-F]{64,}/g, "0x…");
}

/** For a JSON-RPC error that ethers could not map to one of its own ("could not coalesce error"): what the node said. */
function nodeMessage(error: unknown): string | undefined {
  const rpc = error as { code?: unknown; error?: { message?: unknown }; payload?: { method?: unknown } };
  if (rpc?.code !== "UNKNOWN_ERROR" || typeof rpc.error?.message !== "string") return undefined;
  const method = typeof rpc.payload?.method === "string" ? `${rpc.payload.method}: ` : "";
  return `The node refused the request: ${method}${rpc.error.message}`;
}
