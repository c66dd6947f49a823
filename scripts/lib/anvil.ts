/**
 * Runs anvil as a child process on a free loopback port: the stateful fuzzer's fast backend
 * (`npm run fuzz -- --backend anvil`). The binary ships in the platform package of the exact-pinned devDependency
 * `@foundry-rs/anvil` (e.g. `@foundry-rs/anvil-linux-amd64`), so nothing is downloaded. The chain is Hardhat's:
 * chain id 31337, the 20 accounts of `test test … junk` with 10,000 ETH each, Cancun; its genesis timestamp is
 * fixed, so that a campaign does not depend on the wall clock.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { REPO_ROOT, freePort } from "./hardhat-node";

/** Genesis timestamp of the spawned chain, in seconds (2023-11-14). */
export const ANVIL_GENESIS_TIMESTAMP = 1_700_000_000;

/** The anvil binary of this platform's package, or an error that says how to get it. */
export function anvilBinary(): string {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch as string] ?? process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  try {
    return require.resolve(`${pkg}/bin/${exe}`, { paths: [REPO_ROOT] });
  } catch {
    throw new Error(
      `anvil binary not found (${pkg}/bin/${exe}): run \`npm ci\`, which installs it with the devDependency ` +
        "@foundry-rs/anvil",
    );
  }
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (`getconf CLK_TCK`, 100 on Linux). */
let clockTicksPerSecond: number | undefined;

/** User + system CPU time a process has used so far, in seconds (from /proc/<pid>/stat; Linux only). */
export function processCpuSeconds(pid: number): number {
  clockTicksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces, hence the last ")"): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

export interface AnvilNode {
  url: string;
  pid: number;
  /** Kills anvil (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** What anvil printed last, for failure reports. */
  output(): string;
}

/** Starts anvil on 127.0.0.1 and a free port, and waits until it answers. */
export async function startAnvil(timeoutMs = 20_000): Promise<AnvilNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    ["--host", "127.0.0.1"],
    ["--port", String(port)],
    ["--hardfork", "cancun"],
    ["--chain-id", "31337"],
    ["--accounts", "20"],
    ["--balance", "10000"],
    ["--timestamp", String(ANVIL_GENESIS_TIMESTAMP)],
    // Hardhat 2.29's block gas limit, so that both backends' blocks (and so base fees) are alike.
    ["--gas-limit", "60000000"],
    // Keep the states of the last few blocks only, in memory: by default anvil keeps every block's state and
    // writes the older ones to disk, which costs more than the block itself. The fuzzer reads the latest state,
    // and traces a failed transaction right after its block, from its parent's state.
    ["--prune-history", "8"],
    ["--silent"],
    ["--no-cors"],
  ].flat();
  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Last resort: never leave anvil running after this process, whether it exits or is told to stop (a signal
  // skips "exit" handlers; the signal then does what it would have done).
  const killOnExit = () => child.kill("SIGKILL");
  const onSignal = (signal: NodeJS.Signals) => {
    killOnExit();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once("exit", killOnExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    process.off("exit", killOnExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (running()) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running()) throw new Error(`anvil exited before answering on port ${port}:\n${output}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`anvil did not answer on port ${port} in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, pid: child.pid!, stop, output: () => output };
}
