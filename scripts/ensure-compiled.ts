/**
 * Makes sure the contracts are compiled and their typechain bindings exist before a ts-node script imports
 * them (npm runs it as the `pre` script of every command that needs them, so each works as the first command
 * after `npm ci`):
 *
 *   ts-node --transpile-only scripts/ensure-compiled.ts
 *
 * Quiet when everything is up to date; otherwise it says why it compiles and runs `hardhat compile` (or, when
 * only the generated bindings are missing, `hardhat typechain`, which regenerates them from the cached
 * artifacts; its compile step also rewrites the package's `as const` ABIs, src/frontend/abis.generated.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..");

/** The newest modification time under `path` (a file, or a folder walked recursively), and which file has it. */
function newest(path: string): { file: string; mtimeMs: number } {
  const stat = statSync(path);
  if (!stat.isDirectory()) return { file: path, mtimeMs: stat.mtimeMs };
  let best = { file: path, mtimeMs: 0 };
  for (const entry of readdirSync(path)) {
    const candidate = newest(join(path, entry));
    if (candidate.mtimeMs > best.mtimeMs) best = candidate;
  }
  return best;
}

/**
 * Why the build must run in the project at `root`, or undefined when its artifacts and bindings are newer than
 * every input (the contracts and hardhat.config.ts; installed packages change only with `npm ci`, after which
 * there are no artifacts yet).
 */
export function staleReason(root: string): { reason: string; task: "compile" | "typechain" } | undefined {
  const compileCache = join(root, "cache", "solidity-files-cache.json");
  if (!existsSync(compileCache)) return { reason: "no compiled artifacts yet", task: "compile" };
  const built = statSync(compileCache).mtimeMs;
  for (const input of [join(root, "contracts"), join(root, "hardhat.config.ts")]) {
    const latest = newest(input);
    if (latest.mtimeMs > built) {
      return { reason: `${relative(root, latest.file)} changed since the last compile`, task: "compile" };
    }
  }
  for (const generated of ["typechain-types/index.ts", "src/frontend/abis.generated.ts"]) {
    if (!existsSync(join(root, generated))) return { reason: `${generated} is missing`, task: "typechain" };
  }
  return undefined;
}

function main() {
  const stale = staleReason(ROOT);
  if (stale === undefined) return;
  console.error(`${stale.reason}: running \`hardhat ${stale.task}\` first`);
  execFileSync(process.execPath, [require.resolve("hardhat/internal/cli/cli"), stale.task], {
    cwd: ROOT,
    stdio: ["ignore", process.stderr, "inherit"],
  });
}

if (require.main === module) main();
