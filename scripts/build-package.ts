/**
 * `npm run build:package`: the package's dist/ (run after `hardhat compile`, which writes typechain-types/ and the
 * ABIs module), in both module formats so that neither kind of consumer loads a second copy of ethers:
 *   - CommonJS for `require` (tsc, tsconfig.sdk.json): dist/src/frontend/{index,viem}.js with their .d.ts;
 *   - ES modules for `import` (esbuild, ethers and viem left external): dist/esm/{index,viem}.js, typed by the
 *     same declarations copied to dist/esm/types/ as ES-module declarations (dist/esm/package.json says
 *     "type": "module", and their relative imports name their files), so that an ES-module consumer's
 *     type-checker resolves ethers the way its own code does.
 * dist/ is emptied first: the tarball holds what this build wrote, nothing left from an earlier one.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { build } from "esbuild";

const ROOT = join(__dirname, "..");
const DIST = join(ROOT, "dist");
const ESM = join(DIST, "esm");
const ESM_TYPES = join(ESM, "types");
const ENTRIES = ["src/frontend/index.ts", "src/frontend/viem.ts"];
/** What the build reads (the entries import nothing else of ours), and the file it writes last. */
const INPUTS = [
  "src/frontend",
  "src/sdk",
  "typechain-types",
  "deployments",
  "tsconfig.json",
  "tsconfig.sdk.json",
];
const LAST_OUTPUT = join(ESM, "package.json");

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** `./x` → `./x.js` (or `./x/index.js`) in an ES-module declaration file, as Node's resolution wants it. */
function withExtension(fromFile: string, specifier: string): string {
  const target = resolve(dirname(fromFile), specifier);
  if (existsSync(`${target}.d.ts`)) return `${specifier}.js`;
  if (existsSync(join(target, "index.d.ts"))) return `${specifier}/index.js`;
  return specifier; // a JSON file or a specifier already complete
}

function esmDeclarations() {
  for (const file of listFiles(DIST).filter((f) => f.endsWith(".d.ts") && !f.startsWith(ESM))) {
    const out = join(ESM_TYPES, relative(DIST, file));
    const source = readFileSync(file, "utf8").replace(
      /(from |import\()"(\.{1,2}\/[^"]+)"/g,
      (_, lead: string, spec: string) => `${lead}"${withExtension(file, spec)}"`,
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, source);
  }
  // The JSON a declaration may import (deployments/index.json).
  if (existsSync(join(DIST, "deployments"))) {
    cpSync(join(DIST, "deployments"), join(ESM_TYPES, "deployments"), { recursive: true });
  }
}

/**
 * Whether dist/ was built after every input last changed (CI builds just before the tests; the packed-package test
 * then packs that build instead of making it again). A deleted source is not seen, but leaves an extra file that the
 * packed test's list of allowed files reports.
 */
export function packageBuildIsFresh(): boolean {
  if (!existsSync(LAST_OUTPUT)) return false;
  const built = statSync(LAST_OUTPUT).mtimeMs;
  const newest = (path: string): number =>
    statSync(path).isDirectory()
      ? Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
      : statSync(path).mtimeMs;
  return INPUTS.every((input) => newest(join(ROOT, input)) < built);
}

export async function buildPackage(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.sdk.json"],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.sdk.json failed (exit ${tsc.status})`);
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: ESM,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["ethers", "viem", "viem/*"],
    logLevel: "warning",
  });
  writeFileSync(join(ESM, "package.json"), `${JSON.stringify({ type: "module" }, null, 2)}\n`);
  esmDeclarations();
}

if (require.main === module) {
  buildPackage().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
