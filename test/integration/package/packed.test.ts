/**
 * The package as an integrator gets it: built (`npm run build:package`, unless dist/ is fresh), packed (`npm pack`), and installed from
 * the tarball into a blank ES-module project outside the repository, with only what the package declares (its
 * peers ethers and viem) and the project's own TypeScript. There, against a `hardhat node` with the deploy
 * scripts' local deployment and the demo's positions, the quick starts of examples/ (the README shows them) run
 * with ethers and with viem, and their figures must equal the contract's views at the block they read; a viem
 * file calling contract functions with wrong arguments must fail to type-check on exactly its marked lines.
 *
 * npm installs from its cache where it can (`--prefer-offline`): `npm ci` has put every tarball there.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MaxUint256 } from "ethers";
import { LendingMarket__factory, MarketLens__factory, type LendingMarket } from "../../../src/frontend";
import { StepStatus, Zone } from "../../../src/sdk/types";
import type { DeploymentRecord } from "../../../src/sdk/deployment";
import { PACKAGE_CONTRACTS } from "../../../scripts/lib/abis";
import { packageBuildIsFresh } from "../../../scripts/build-package";
import { confirmPrice, deployWithScripts, openDemoPositions } from "../../../scripts/lib/app-chain";
import {
  LocalChainProvider,
  REPO_ROOT,
  startHardhatNode,
  type HardhatNode,
} from "../../../scripts/lib/hardhat-node";

const EXAMPLES = join(REPO_ROOT, "examples");
/** The consumer project's files, copied from examples/. */
const CONSUMER_FILES = [
  "tsconfig.json",
  "ethers-quickstart.ts",
  "viem-quickstart.ts",
  "types/viem-compiles.ts",
  "types/viem-wrong-argument.ts",
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, capturing its output (never through a shell). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like `run`, and fails with the command's output unless it exits 0. */
async function runOk(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) {
  const r = await run(command, args, cwd, env);
  if (r.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** The version of a package the repository has installed (so that npm finds its tarball in the cache). */
const installed = (name: string): string =>
  (
    JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** The typechain files of the product contracts: each factory and its contract's types. */
function allowedTypechainFiles(): Set<string> {
  const allowed = new Set(["dist/typechain-types/common"]);
  for (const fqn of Object.values(PACKAGE_CONTRACTS)) {
    const [source, name] = fqn.split(":");
    // typechain names a folder after a source file that holds several contracts (MarketLens.sol/…).
    const dir = source.replace(/\/[^/]+\.sol$/, "");
    for (const base of [dir, `${dir}/${source.split("/").at(-1)}`]) {
      allowed.add(`dist/typechain-types/${base}/${name}`);
      allowed.add(`dist/typechain-types/factories/${base}/${name}__factory`);
    }
  }
  return allowed;
}

describe("package: packed, installed in a blank project, used with ethers and viem [uninstrumented]", function () {
  this.timeout(600_000);
  let node: HardhatNode | undefined;
  let provider: LocalChainProvider | undefined;
  let market: LendingMarket;
  let record: DeploymentRecord;
  let account: string;
  let consumer: string;
  let recordFile: string;
  let packed: PackResult;
  let compiled: Run;
  const dirs: string[] = [];
  /** The blank project's own TypeScript compiler. */
  const tsc = (args: string[]) =>
    run(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), ...args], consumer);
  const env = () => ({ RPC_URL: node!.url });

  before(async function () {
    const work = mkdtempSync(join(tmpdir(), "packed-package-"));
    dirs.push(work);
    consumer = join(work, "consumer");
    mkdirSync(join(consumer, "types"), { recursive: true });
    recordFile = join(work, "localhost.json");

    // The chain (node, deploy scripts, positions) and the package (build, pack, install) in parallel.
    const chain = (async () => {
      node = await startHardhatNode();
      const deployments = join(work, "deployments");
      record = await deployWithScripts(node.url, deployments);
      copyFileSync(join(deployments, "localhost.json"), recordFile);
      const borrowers = await openDemoPositions(node.url, record);
      account = borrowers.at(-1)!; // 74 % LTV at $2,000
      // ETH / USD to $1,800 until the smoothed price confirms the soft zone: the step preview has figures.
      await confirmPrice(node.url, record, 1_800n * 10n ** 8n, account);
      provider = new LocalChainProvider(node.url);
      market = LendingMarket__factory.connect(record.addresses.market, provider);
    })();
    const pkg = (async () => {
      // `npm run build:package`, unless dist/ is already newer than everything it is built from (CI's build).
      if (!packageBuildIsFresh()) await runOk("npm", ["run", "build:package"], REPO_ROOT);
      const pack = await runOk("npm", ["pack", "--json", "--pack-destination", work], REPO_ROOT);
      [packed] = JSON.parse(pack.stdout) as PackResult[];
      for (const file of CONSUMER_FILES) copyFileSync(join(EXAMPLES, file), join(consumer, file));
      writeFileSync(
        join(consumer, "package.json"),
        JSON.stringify({ name: "blank-consumer", private: true, type: "module" }, null, 2),
      );
      await runOk(
        "npm",
        [
          "install",
          "--prefer-offline",
          "--no-audit",
          "--no-fund",
          "--ignore-scripts",
          "--loglevel=error",
          join(work, packed.filename),
          `ethers@${installed("ethers")}`,
          `viem@${installed("viem")}`,
          `typescript@${installed("typescript")}`,
          `@types/node@${installed("@types/node")}`,
        ],
        consumer,
      );
      // One program (examples/tsconfig.json): tsc writes out/ even though the wrong-argument file fails.
      compiled = await tsc(["-p", ".", "--pretty", "false"]);
    })();
    await Promise.all([chain, pkg]);
  });

  after(async () => {
    provider?.destroy();
    await node?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** What a quick start must print: the contract's views at the block it read. */
  async function expectedQuickStartOutput(block: number): Promise<string> {
    const at = { blockTag: block };
    const lens = MarketLens__factory.connect(record.addresses.lens, provider);
    const st = await lens.positionState(market, account, at);
    const step = await market.previewLiquidationStep(account, MaxUint256, at);
    expect(Number(step.status), "the step is allowed, so that its preview has figures").to.equal(
      StepStatus.Ready,
    );
    return [
      `block ${block}: collateral ${st.collateral}, debt ${st.debt}, LTV ${st.ltvWad} (WAD)`,
      `zone ${Zone[Number(st.zone)]}, soft at ${st.softLiquidationPriceWad}, hard at ${st.hardLiquidationPriceWad}`,
      `step Ready: repays ${step.repaid}, seizes ${step.seized}, LTV after ${step.ltvAfterWad}`,
      `contract: repays ${step.repaid}, seizes ${step.seized}`,
      "",
    ].join("\n");
  }

  it("packs the product only: no mock, no simulator contract, no test typechain binding", () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths.filter((p) => /mock|(^|\/)sim(\/|$)|Sim[A-Z]|fuzz|harness/i.test(p))).to.deep.equal([]);
    const typechain = allowedTypechainFiles();
    const fixed = ["package.json", "README.md", "deployments/index.json", "dist/esm/package.json"];
    const unexpected = paths.filter((p) => {
      if (fixed.includes(p) || /^dist\/esm\/(index|viem|chunk-\w+)\.js$/.test(p)) return false;
      // The declarations (and CommonJS files) of dist/, and the same declarations as ES-module ones.
      const q = p.replace(/^dist\/esm\/types\//, "dist/");
      if (q === "dist/deployments/index.json") return false;
      if (/^dist\/src\/(frontend|sdk)\/[\w.-]+\.(js|d\.ts)$/.test(q)) return false;
      return !typechain.has(q.replace(/\.(js|d\.ts)$/, ""));
    });
    expect(unexpected, "files outside the product").to.deep.equal([]);
    // Every product contract's factory is in the tarball.
    for (const name of Object.keys(PACKAGE_CONTRACTS)) {
      expect(
        paths.some((p) => p.endsWith(`/${name}__factory.js`)),
        name,
      ).to.equal(true);
    }
  });

  it("installs with its declared peers only, and resolves inside the blank project", async () => {
    const manifest = JSON.parse(
      readFileSync(join(consumer, "node_modules", "gradual-liquidation-protocol", "package.json"), "utf8"),
    ) as { private?: boolean; dependencies?: object; peerDependencies?: object };
    expect(manifest.private).to.equal(undefined);
    expect(manifest.dependencies).to.equal(undefined);
    expect(manifest.peerDependencies).to.deep.equal({ ethers: "^6", viem: "^2" });
    // A CommonJS consumer too; every module either entry loads comes from the project's own node_modules, and
    // the viem entry loads neither ethers nor the typechain factories.
    const probe = [
      "const loaded = (entry) => {",
      "  const before = new Set(Object.keys(require.cache));",
      "  const m = require(entry);",
      "  return { m, files: Object.keys(require.cache).filter((f) => !before.has(f)) };",
      "};",
      'const viem = loaded("gradual-liquidation-protocol/viem");',
      'const ethers = loaded("gradual-liquidation-protocol");',
      "console.log(JSON.stringify({",
      "  viemExports: Object.keys(viem.m).sort(),",
      "  viemFiles: viem.files,",
      "  ethersFiles: ethers.files,",
      "  factory: typeof ethers.m.LendingMarket__factory.connect,",
      "}));",
    ].join("\n");
    const out = await runOk(process.execPath, ["--input-type=commonjs", "-e", probe], consumer);
    const r = JSON.parse(out.stdout) as {
      viemExports: string[];
      viemFiles: string[];
      ethersFiles: string[];
      factory: string;
    };
    expect(r.factory).to.equal("function");
    for (const f of [...r.viemFiles, ...r.ethersFiles]) {
      expect(f.startsWith(join(consumer, "node_modules") + "/"), f).to.equal(true);
    }
    expect(r.viemFiles.filter((f) => /node_modules\/ethers\/|typechain-types/.test(f))).to.deep.equal([]);
    // The ES-module build too: the viem entry and the chunks it imports name no ethers.
    const esm = join(consumer, "node_modules", "gradual-liquidation-protocol", "dist", "esm");
    const visited = new Set<string>();
    const visit = (file: string): string[] => {
      if (visited.has(file)) return [];
      visited.add(file);
      const code = readFileSync(join(esm, file), "utf8");
      const specifiers = [...code.matchAll(/(?:from|import)\s*"([^"]+)"/g)].map((m) => m[1]);
      return specifiers.flatMap((spec) => (spec.startsWith("./") ? visit(spec.slice(2)) : [spec]));
    };
    expect(visit("viem.js").filter((spec) => spec.startsWith("ethers"))).to.deep.equal([]);
    expect(visited.size).to.be.greaterThan(1); // it does import its chunks
    expect(r.viemExports).to.include.members([
      "abis",
      "readMarket",
      "readPosition",
      "describePosition",
      "previewStep",
      "getDeployment",
    ]);
  });

  it("ethers: reads a market and a position and previews a step, equal to the contract's views", async () => {
    const out = await runOk(
      process.execPath,
      [join("out", "ethers-quickstart.js"), account, recordFile],
      consumer,
      env(),
    );
    const block = Number(/^block (\d+):/.exec(out.stdout)?.[1]);
    expect(out.stdout).to.equal(await expectedQuickStartOutput(block));
  });

  it("viem: the same figures through a PublicClient", async () => {
    const out = await runOk(
      process.execPath,
      [join("out", "viem-quickstart.js"), account, recordFile],
      consumer,
      env(),
    );
    const block = Number(/^block (\d+):/.exec(out.stdout)?.[1]);
    expect(out.stdout).to.equal(await expectedQuickStartOutput(block));
  });

  it("viem: the ABIs type every call: wrong arguments fail to compile on exactly the marked lines, nothing else", () => {
    const file = join("types", "viem-wrong-argument.ts");
    const refused = readFileSync(join(consumer, file), "utf8")
      .split("\n")
      .flatMap((line, i) => (line.includes("// refused:") ? [`${file}:${i + 1}`] : []));
    expect(refused).to.have.length(3);
    expect(compiled.code).to.not.equal(0);
    const errors = compiled.stdout
      .split("\n")
      .filter((l) => l.includes("error TS"))
      .map((l) => `${l.split("(")[0]}:${/\((\d+),\d+\)/.exec(l)?.[1]}`);
    expect(errors, compiled.stdout).to.deep.equal(refused);
  });
});
