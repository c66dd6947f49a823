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
}

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** Breakdown lines whose gas sums to the receipt's `gasUsed` (refunds shown as a negative line). */
export async function gasBreakdown(
  provider: TraceProvider,
  txHash: string,
  labels: Record<string, string>,
): Promise<GasLine[]> {
  const receipt = await provider.getTransactionReceipt(txHash);
  if (!receipt) throw new Error(`no receipt for ${txHash}`);
  const trace = (await provider.send("debug_traceTransaction", [
    txHash,
    { disableMemory: true, disableStorage: true },
  ])) as { gas: number; structLogs: StructLog[] };
  const logs = trace.structLogs;
  const name = (address: string) => labels[address.toLowerCase()] ?? address;
  const lines = new Map<string, number>();
  const add = (label: string, gas: number) => lines.set(label, (lines.get(label) ?? 0) + gas);

  const executed =
    logs.length === 0 ? 0 : logs[0].gas - (logs[logs.length - 1].gas - logs[logs.length - 1].gasCost);
  const gasUsed = Number(receipt.gasUsed);
  // Only the top frame is broken down by opcode; every call out of it is one inclusive line.
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i];
    if (log.depth !== 1) continue;
    if (CALLS.has(log.op)) {
      const target = "0x" + (log.stack![log.stack!.length - 2] ?? "").slice(-40);
      let j = i + 1;
      while (j < logs.length && logs[j].depth > 1) j++;
      const after = j < logs.length ? logs[j].gas : logs[i].gas - logs[i].gasCost;
      add(`call ${name(target)}`, log.gas - after);
    } else if (log.op === "SLOAD") add("storage reads (SLOAD)", log.gasCost);
    else if (log.op === "SSTORE") add("storage writes (SSTORE)", log.gasCost);
    else if (log.op.startsWith("LOG")) add("events (LOG)", log.gasCost);
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
  for (const [label, gas] of [...lines.entries()].sort((a, b) => b[1] - a[1])) result.push({ label, gas });
  return result;
}
