/**
 * Runs `hardhat node` as a child process on a loopback port, for integration tests, the benchmark and the local
 * keeper demo. The child gets its own process group and is always killed on `stop()` and, as a last resort,
 * when this process exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { JsonRpcProvider, type JsonRpcApiProviderOptions, type TransactionRequest } from "ethers";
import { DEFAULT_GAS_HEADROOM_BPS, withHeadroom } from "../../src/keeper/txpolicy";

/** The repository root (where hardhat.config.ts lives). */
export const REPO_ROOT = join(__dirname, "..", "..");

/** Hardhat's default accounts: `test test … junk`, path m/44'/60'/0'/0/i. */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** A free TCP port on 127.0.0.1 (the OS picks it; it is free when this returns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HardhatNode {
  url: string;
  port: number;
  /** Kills the node (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** The last lines the node printed, for failure reports. */
  output(): string;
}

export interface StartOptions {
  port?: number;
  /** How long to wait for the node to answer, ms. */
  timeoutMs?: number;
  /** Keep the node's per-request logging (off by default: it slows the node down). */
  logging?: boolean;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * The nodes run in their own process groups (so that they can be killed as a whole), which also means a Ctrl-C
 * in the terminal does not reach them: kill them when this process exits or is interrupted, then let the signal
 * do what it would have done.
 */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of live) killGroup(child, "SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the child's own process group (detached)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

/** Starts `hardhat node --hostname 127.0.0.1 --port <port>` from the repository root and waits until it answers. */
export async function startHardhatNode(options: StartOptions = {}): Promise<HardhatNode> {
  installExitHook();
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const cli = require.resolve("hardhat/internal/cli/bootstrap", { paths: [REPO_ROOT] });
  // --no-deploy: hardhat-deploy would otherwise run deploy/ on start; callers deploy what they need themselves.
  const args = [cli, "node", "--hostname", "127.0.0.1", "--port", String(port), "--no-deploy"];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HARDHAT_NETWORK: "hardhat" },
  });
  live.add(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => live.delete(child));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`hardhat node exited before answering on port ${port}:\n${output}`);
    }
    try {
      await rpc(url, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`hardhat node did not answer on port ${port} in time:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!options.logging) await rpc(url, "hardhat_setLoggingEnabled", [false]);
  return { url, port, stop, output: () => output };
}

/**
 * A JSON-RPC provider for the local node whose gas estimates carry 25 % headroom, so that the keys connected to it
 * send with a margin. ethers sends a key's transaction with the bare estimate, made a moment before the block it
 * lands in, and the market's gas depends on that block's time (interest, the smoothed price, a volatility sample
 * falling due): a second later the bare estimate can be a few gas short.
 */
export class LocalChainProvider extends JsonRpcProvider {
  constructor(rpcUrl: string, options: JsonRpcApiProviderOptions = {}) {
    super(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, ...options });
  }
  override async estimateGas(tx: TransactionRequest): Promise<bigint> {
    return withHeadroom(await super.estimateGas(tx), DEFAULT_GAS_HEADROOM_BPS);
  }
}
