/**
 * The simulator's chain, driven by raw JSON-RPC for the tick loop (set-up goes through ethers): transactions
 * with precomputed calldata and fixed gas, block times set by the simulator, receipts read once. One class for
 * Hardhat's in-process network (EDR) and for an anvil node; the two differ only in how a block gets its time and
 * when it is mined (below). The same calls give the same blocks, times, gas and logs on both.
 */
import type { Signer } from "ethers";

/** EIP-1193 `request`: Hardhat's `network.provider`, or an HTTP JSON-RPC client. */
export interface Rpc {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export type Backend = "hardhat" | "anvil";

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
}

export interface Receipt {
  ok: boolean;
  gasUsed: bigint;
  logs: RawLog[];
  /** Revert data of a failed transaction ("0x" when unknown). */
  revertData: string;
}

/**
 * Every simulator transaction sets its own gas limit and a fixed gas price, above any base fee its blocks reach
 * (20 gwei; the keeper's gas is priced apart, at the scenario's gas price), so that no fee round trip is made.
 */
const GAS_PRICE = "0x4a817c800";

export class SimChain {
  /** Time of the next block (seconds). */
  private nextTime = 0;

  private constructor(
    readonly backend: Backend,
    private readonly rpc: Rpc,
  ) {}

  /**
   * Connects to `rpc`. On anvil, automine goes off: anvil answers `eth_sendTransaction` before the block is
   * mined, so the simulator mines each transaction itself (`evm_mine`) and reads its receipt after.
   */
  static async connect(rpc: Rpc, backend: Backend): Promise<SimChain> {
    const chain = new SimChain(backend, rpc);
    if (backend === "anvil") await chain.request("evm_setAutomine", [false]);
    return chain;
  }

  request<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.rpc.request({ method, params }) as Promise<T>;
  }

  async latestTime(): Promise<number> {
    const block = await this.request<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
    return Number(block.timestamp);
  }

  /** The next block is mined at `t` or later (one second after the previous block at the earliest). */
  at(t: number): void {
    this.nextTime = Math.max(this.nextTime, t);
  }

  /** Time the next block will have. */
  get clock(): number {
    return this.nextTime;
  }

  /** Mines one transaction at the clock's time; the clock moves one second on. */
  async send(from: string, to: string, data: string, gas: number): Promise<Receipt> {
    const time = this.nextTime;
    this.nextTime += 1;
    await this.request("evm_setNextBlockTimestamp", [time]);
    const tx = { from, to, data, gas: `0x${gas.toString(16)}`, gasPrice: GAS_PRICE };
    let hash: string;
    try {
      hash = await this.request<string>("eth_sendTransaction", [tx]);
    } catch (e) {
      // Hardhat mines a failed transaction and throws with its revert data.
      const revertData = (e as { data?: unknown }).data;
      if (this.backend === "hardhat" && typeof revertData === "string" && revertData.startsWith("0x")) {
        return { ok: false, gasUsed: 0n, logs: [], revertData };
      }
      throw e;
    }
    if (this.backend === "anvil") await this.request("evm_mine");
    const receipt = await this.request<{ status: string; gasUsed: string; logs: RawLog[] } | null>(
      "eth_getTransactionReceipt",
      [hash],
    );
    if (receipt === null) throw new Error(`transaction ${hash} was not mined`);
    return {
      ok: receipt.status === "0x1",
      gasUsed: BigInt(receipt.gasUsed),
      logs: receipt.logs,
      revertData: "0x",
    };
  }

  /** Mines an empty block at the clock's time (so that views see it). */
  async mine(): Promise<void> {
    const time = this.nextTime;
    this.nextTime += 1;
    await this.request("evm_mine", [time]);
  }

  call(to: string, data: string): Promise<string> {
    return this.request<string>("eth_call", [{ to, data }, "latest"]);
  }

  snapshot(): Promise<string> {
    return this.request<string>("evm_snapshot");
  }

  /** Back to a snapshot; the clock restarts one second after its latest block. */
  async revert(id: string): Promise<void> {
    const ok = await this.request<boolean>("evm_revert", [id]);
    if (!ok) throw new Error(`evm_revert to ${id} failed`);
    this.nextTime = (await this.latestTime()) + 1;
  }
}

/**
 * Makes every transaction that `signer`'s provider sends during `body` mined one second after the previous one
 * from `start` on, whatever the wall clock does (and, on anvil, mined at once): set-up blocks then have the same
 * times on every machine and backend. Returns the time of the next block.
 */
export async function atFixedPace<T>(
  provider: { send(method: string, params?: unknown[]): Promise<unknown> },
  backend: Backend,
  start: number,
  body: () => Promise<T>,
): Promise<{ result: T; next: number }> {
  const send = provider.send.bind(provider);
  let next = start;
  provider.send = async (method: string, params?: unknown[]) => {
    const isTx = method === "eth_sendTransaction" || method === "eth_sendRawTransaction";
    if (isTx) await send("evm_setNextBlockTimestamp", [next++]);
    const out = await send(method, params);
    if (isTx && backend === "anvil") await send("evm_mine", []);
    return out;
  };
  try {
    return { result: await body(), next };
  } finally {
    provider.send = send;
  }
}

export async function addressOf(signer: Signer): Promise<string> {
  return (await signer.getAddress()).toLowerCase();
}
