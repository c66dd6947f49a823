import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anvilBinary } from "../../scripts/lib/anvil";
import { REPO_ROOT } from "../../scripts/lib/hardhat-node";

/**
 * The anvil backend of the long campaign runs the same sequences as Hardhat's in-process network: a short
 * `npm run fuzz` on each (scripts/fuzz.ts in a child process, a fresh chain each, the two in parallel) gives the
 * same counts: sequences, actions, transactions, and every command and outcome count.
 */
const SEED = 7;
const RUNS = 12;
const MAX_ACTIONS = 20;

/** The `--stats-json` counts of one campaign. */
function campaign(backend: "hardhat" | "anvil", dir: string): Promise<Record<string, unknown>> {
  const statsFile = join(dir, `${backend}.json`);
  const args = ["--backend", backend, "--seed", String(SEED), "--runs", String(RUNS)];
  args.push("--max-actions", String(MAX_ACTIONS), "--stats-json", statsFile);
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "scripts/fuzz.ts", ...args],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`npm run fuzz -- ${args.join(" ")} exited with ${code}:\n${output}`));
      else resolve(JSON.parse(readFileSync(statsFile, "utf8")) as Record<string, unknown>);
    });
  });
}

describe("stateful fuzz: the anvil backend runs what the Hardhat one does [uninstrumented]", function () {
  this.timeout(120_000);

  it(`gives the same counts for seed ${SEED}, ${RUNS} runs of up to ${MAX_ACTIONS} actions`, async function () {
    try {
      anvilBinary();
    } catch (e) {
      // CI installs the devDependency: a missing binary there is a failure, never a skip.
      if (process.env.CI) throw e;
      console.log(`      skipped: ${(e as Error).message}`);
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "fuzz-backends-"));
    try {
      const [hardhat, anvil] = await Promise.all([campaign("hardhat", dir), campaign("anvil", dir)]);
      expect(hardhat.failed).to.equal(false);
      expect(anvil).to.deep.equal(hardhat);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
