/**
 * Where a transaction's gas goes, from a `debug_traceTransaction` struct-log trace: intrinsic gas (base and
 * calldata), then per frame the gas spent on storage reads and writes, logs, the rest of the frame's own code,
 * and each external call (inclusive of the callee's work), labelled by target address.
 */
import { getBytes, type TransactionReceipt, type TransactionResponse } from "ethers";

/** The three provider calls used (ethers' JsonRpcProvider and Hardhat's provider both have them). */
export interface TraceProvider {
  send(method: string, params: unknown[]): Promise<unknown>;
  getTransaction(hash: string): Promise<TransactionResponse | null>;
  getTransactionReceipt(hash: string): Promise<TransactionReceipt | null>;
}

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

export interface GasLine {
  label: string;
  gas: number;
  /** How the line's gas is made up, for storage: how many accesses at each price (e.g. `9 × 2,100, 1 × 100`). */
  detail?: string;
}

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

async function structLogs(provider: TraceProvider, txHash: string): Promise<StructLog[]> {
  const trace = (await provider.send("debug_traceTransaction", [
    txHash,
    { disableMemory: true, disableStorage: true },
  ])) as { gas: number; structLogs: StructLog[] };
  return trace.structLogs;
}

/** The inclusive gas of the external call at `logs[i]`: what the caller's frame had before it and after it. */
function callGas(logs: StructLog[], i: number): number {
  let j = i + 1;
  while (j < logs.length && logs[j].depth > logs[i].depth) j++;
  const after = j < logs.length ? logs[j].gas : logs[i].gas - logs[i].gasCost;
  return logs[i].gas - after;
}

const callTarget = (log: StructLog) => "0x" + (log.stack![log.stack!.length - 2] ?? "").slice(-40);

/**
 * The gas a transaction spent in calls to `target`, at any depth, each inclusive of the callee's own calls (a
 * call to `target` made from inside another call to it is counted once, in the outer one).
 */
export async function callGasTo(provider: TraceProvider, txHash: string, target: string): Promise<number> {
  const logs = await structLogs(provider, txHash);
  const wanted = target.toLowerCase();
  let total = 0;
  for (let i = 0; i < logs.length; i++) {
    if (!CALLS.has(logs[i].op) || callTarget(logs[i]) !== wanted) continue;
    total += callGas(logs, i);
    // Skip the callee's frame: nested calls to the same target are already inside this figure.
    const depth = logs[i].depth;
    while (i + 1 < logs.length && logs[i + 1].depth > depth) i++;
  }
  return total;
}

/** Breakdown lines whose gas sums to the receipt's `gasUsed` (refunds shown as a negative line). */
export async function gasBreakdown(
  provider: TraceProvider,
  txHash: string,
  labels: Record<string, string>,
): Promise<GasLine[]> {
  const receipt = await provider.getTransactionReceipt(txHash);
  if (!receipt) throw new Error(`no receipt for ${txHash}`);
  const logs = await structLogs(provider, txHash);
  const name = (address: string) => labels[address.toLowerCase()] ?? address;
  const lines = new Map<string, number>();
  const add = (label: string, gas: number) => lines.set(label, (lines.get(label) ?? 0) + gas);
  /** Per storage line, how many accesses cost how much (cold and warm reads, the kinds of write). */
  const prices = new Map<string, Map<number, number>>();
  const addAccess = (label: string, gas: number) => {
    add(label, gas);
    const byPrice = prices.get(label) ?? new Map<number, number>();
    byPrice.set(gas, (byPrice.get(gas) ?? 0) + 1);
    prices.set(label, byPrice);
  };

  const executed =
    logs.length === 0 ? 0 : logs[0].gas - (logs[logs.length - 1].gas - logs[logs.length - 1].gasCost);
  const gasUsed = Number(receipt.gasUsed);
  // Only the top frame is broken down by opcode; every call out of it is one inclusive line.
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i];
    if (log.depth !== 1) continue;
    if (CALLS.has(log.op)) add(`call ${name(callTarget(log))}`, callGas(logs, i));
    else if (log.op === "SLOAD") addAccess("storage reads (SLOAD)", log.gasCost);
    else if (log.op === "SSTORE") addAccess("storage writes (SSTORE)", log.gasCost);
    else if (log.op.startsWith("LOG")) add("events (LOG)", log.gasCost);
    else if (log.op === "EXTCODECOPY" || log.op === "EXTCODESIZE")
      addAccess("code reads (EXTCODECOPY, EXTCODESIZE)", log.gasCost);
    else if (log.op === "TLOAD" || log.op === "TSTORE")
      add("transient storage (reentrancy lock)", log.gasCost);
    else add("other opcodes (computation, memory, hashing)", log.gasCost);
  }
  const tx = await provider.getTransaction(txHash);
  if (!tx) throw new Error(`no transaction ${txHash}`);
  const data = getBytes(tx.data);
  const intrinsic = 21_000 + data.reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);
  const result: GasLine[] = [
    { label: "intrinsic (21,000 base + calldata)", gas: intrinsic },
    { label: "storage refunds", gas: gasUsed - intrinsic - executed },
  ];
  for (const [label, gas] of [...lines.entries()].sort((a, b) => b[1] - a[1])) {
    const byPrice = prices.get(label);
    const detail = byPrice
      ? [...byPrice.entries()]
          .sort((a, b) => b[0] - a[0])
          .map(([price, n]) => `${n} × ${price.toLocaleString("en-US")}`)
          .join(", ")
      : undefined;
    result.push(detail === undefined ? { label, gas } : { label, gas, detail });
  }
  return result;
}
