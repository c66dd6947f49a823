/**
 * The gas benchmark's anchor: Morpho Blue, measured on the same network in the same run as our market.
 *
 * It is built from the npm package `@morpho-org/morpho-blue` (1.0.0, a development dependency, never deployed
 * and never shipped) with its own compiler, solc 0.8.19 (the npm alias `solc-0.8.19`), and its own optimizer
 * settings, those of its repository's foundry.toml: via-IR, 999,999 runs, EVM version paris, no metadata hash.
 * The compiled output is cached in cache/anchors/ under a hash of the compiler, the settings and the sources.
 *
 * It is deployed with our OpenZeppelin mock tokens (18 decimals, as in our bench) and the package's own
 * fixed-price `OracleMock` and `IrmMock`, and walked through the same story as our bench: a lender supplies
 * 1,000,000; a borrower posts 100 collateral at a price of 2,000 and borrows 150,000 (LTV 75 %, LLTV 77 %), repays
 * a little and withdraws a little collateral; the price falls to 1,850; a liquidator that holds no collateral
 * liquidates 10 % of the debt, then 10 % again, then closes the rest; another borrower, who already owes and holds
 * the loan token, borrows again; finally a position whose collateral no longer covers its debt is liquidated with
 * all its collateral and the rest written off. Each measured call is in the state of the row of our bench it
 * stands beside (ANCHOR_ROWS).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse, InterfaceAbi } from "ethers";
import type { MockERC20 } from "../../typechain-types";

const PACKAGE = "@morpho-org/morpho-blue";
/** Morpho Blue's foundry.toml (`via_ir = true`, `optimizer_runs = 999999`, `evm_version = "paris"`,
 * `bytecode_hash = "none"`), the settings its deployed code was built with. */
const SETTINGS = {
  viaIR: true,
  optimizer: { enabled: true, runs: 999_999 },
  evmVersion: "paris",
  metadata: { bytecodeHash: "none" },
} as const;
const CONTRACTS = {
  Morpho: "src/Morpho.sol",
  IrmMock: "src/mocks/IrmMock.sol",
  OracleMock: "src/mocks/OracleMock.sol",
};

/** Our bench's row → the Morpho Blue call measured in the same state. */
export const ANCHOR_ROWS: Readonly<Record<string, string>> = {
  "vault.deposit (new lender)": "supply (new lender)",
  "vault.withdraw (partial)": "withdraw (partial)",
  "supplyCollateral (new position)": "supplyCollateral (new position)",
  "borrow (first: registers the borrower)": "borrow (first on the position)",
  "borrow (later)": "borrow (later)",
  "repay (partial)": "repay (partial)",
  "withdrawCollateral (with debt)": "withdrawCollateral (with debt)",
  "liquidationStep soft (first: keeper holds no collateral)":
    "liquidate 10 % (first: liquidator holds no collateral)",
  "liquidationStep soft (following)": "liquidate 10 % (second)",
  "liquidationStep hard (full close)": "liquidate (full close)",
  "liquidationStep hard (bad debt written off)": "liquidate (bad debt written off)",
};

interface Compiled {
  abi: InterfaceAbi;
  bytecode: string;
}

function solFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? solFiles(path) : path.endsWith(".sol") ? [path] : [];
  });
}

/** Morpho Blue, its IrmMock and OracleMock, compiled with the package's own compiler and settings (cached). */
export function compileMorpho(cacheDir: string): Record<keyof typeof CONTRACTS, Compiled> {
  const root = dirname(require.resolve(`${PACKAGE}/package.json`));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc-0.8.19") as { version(): string; compile(input: string): string };
  const sources: Record<string, { content: string }> = {};
  for (const path of solFiles(join(root, "src"))) {
    sources[`${PACKAGE}/${relative(root, path)}`] = { content: readFileSync(path, "utf8") };
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      ...SETTINGS,
      outputSelection: Object.fromEntries(
        Object.entries(CONTRACTS).map(([name, file]) => [
          `${PACKAGE}/${file}`,
          { [name]: ["abi", "evm.bytecode.object"] },
        ]),
      ),
    },
  };
  const key = createHash("sha256")
    .update(solc.version())
    .update(JSON.stringify(input))
    .digest("hex")
    .slice(0, 16);
  const cacheFile = join(cacheDir, `morpho-blue-${key}.json`);
  if (existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, "utf8"));
  if (!solc.version().startsWith("0.8.19+")) throw new Error(`anchor: solc-0.8.19 is ${solc.version()}`);
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0)
    throw new Error(
      `anchor: Morpho Blue does not compile:\n${errors.map((e) => e.formattedMessage).join("\n")}`,
    );
  const out = Object.fromEntries(
    Object.entries(CONTRACTS).map(([name, file]) => {
      const c = output.contracts[`${PACKAGE}/${file}`][name];
      return [name, { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }];
    }),
  ) as Record<keyof typeof CONTRACTS, Compiled>;
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(out));
  return out;
}

type Ethers = HardhatRuntimeEnvironment["ethers"];

/** Morpho Blue's figures, keyed by the call's label, with each measured transaction (for `--breakdown`). */
export interface AnchorRun {
  figures: Record<string, bigint>;
  hashes: Record<string, string>;
  /** Addresses to name in a breakdown. */
  labels: Record<string, string>;
}

/**
 * Runs the story on the current network and returns Morpho Blue's figure for each of ANCHOR_ROWS' calls, keyed by
 * the Morpho call's label.
 */
export async function measureMorpho(
  ethers: Ethers,
  send: (method: string, params: unknown[]) => Promise<unknown>,
  cacheDir: string,
): Promise<AnchorRun> {
  const built = compileMorpho(cacheDir);
  const unit = 10n ** 18n;
  const price = (p: bigint) => p * 10n ** 36n; // ORACLE_PRICE_SCALE: 1e36 per unit of price, same decimals
  const increase = async (seconds: number) => {
    await send("evm_increaseTime", [seconds]);
    await send("evm_mine", []);
  };
  // Accounts of their own, so that nothing of our own bench's story touches Morpho's; fixed keys, so that the
  // calldata (which prices zero bytes apart) and hence every figure is the same from run to run.
  const wallet = async (i: number) => {
    const w = new ethers.Wallet(ethers.id(`gas-anchor account ${i}`), ethers.provider);
    await send("hardhat_setBalance", [w.address, "0x56bc75e2d63100000"]); // 100 ETH
    return w;
  };
  const [owner, lender, alice, bob, carol, liquidator] = await Promise.all(
    Array.from({ length: 6 }, (_, i) => wallet(i)),
  );

  const deploy = async (c: Compiled, args: unknown[] = []) => {
    const factory = new ethers.ContractFactory(c.abi, c.bytecode, owner);
    const contract = await factory.deploy(...args);
    await contract.waitForDeployment();
    return contract;
  };
  const morpho = await deploy(built.Morpho, [owner.address]);
  const irm = await deploy(built.IrmMock);
  const oracle = await deploy(built.OracleMock);
  const loan = (await ethers.deployContract(
    "MockERC20",
    ["Loan", "LOAN", 18],
    owner,
  )) as unknown as MockERC20;
  const collateral = (await ethers.deployContract(
    "MockERC20",
    ["Coll", "COLL", 18],
    owner,
  )) as unknown as MockERC20;
  const m = (signer: typeof owner) => morpho.connect(signer) as typeof morpho;

  // LLTV 77 %: the position at 75 % is healthy at 2,000, and at 1,850 (81 %) it stays liquidatable through both
  // 10 % liquidations (80 % and 78 % after them, the incentive being 7.4 %).
  const lltv = (77n * unit) / 100n;
  const params = {
    loanToken: await loan.getAddress(),
    collateralToken: await collateral.getAddress(),
    oracle: await oracle.getAddress(),
    irm: await irm.getAddress(),
    lltv,
  };
  await (await oracle.getFunction("setPrice")(price(2_000n))).wait();
  await (await m(owner).getFunction("enableIrm")(params.irm)).wait();
  await (await m(owner).getFunction("enableLltv")(lltv)).wait();
  await (await m(owner).getFunction("createMarket")(params)).wait();
  const id = ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "address", "address", "address", "uint256"],
      [params.loanToken, params.collateralToken, params.oracle, params.irm, params.lltv],
    ),
  );
  // As in our bench, every participant holds the loan token already; borrowers hold collateral.
  for (const s of [lender, alice, bob, carol, liquidator]) {
    await (await loan.connect(owner).mint(s.address, 100_000_000n * unit)).wait();
    await (await loan.connect(s).approve(morpho, ethers.MaxUint256)).wait();
    await (await collateral.connect(s).approve(morpho, ethers.MaxUint256)).wait();
  }
  for (const s of [alice, bob, carol])
    await (await collateral.connect(owner).mint(s.address, 1_000n * unit)).wait();

  const figures: Record<string, bigint> = {};
  const hashes: Record<string, string> = {};
  const measure = async (label: string, tx: Promise<ContractTransactionResponse>) => {
    const receipt = await (await tx).wait();
    if (!receipt) throw new Error("anchor: no receipt");
    figures[label] = receipt.gasUsed;
    hashes[label] = receipt.hash;
  };
  const call = (signer: typeof owner, fn: string, ...args: unknown[]) =>
    m(signer).getFunction(fn)(...args) as Promise<ContractTransactionResponse>;

  // Lenders.
  await measure(
    "supply (new lender)",
    call(lender, "supply", params, 1_000_000n * unit, 0n, lender.address, "0x"),
  );
  await measure(
    "withdraw (partial)",
    call(lender, "withdraw", params, 1_000n * unit, 0n, lender.address, lender.address),
  );

  // Other borrowers first, so that the measured calls meet initialised market state (as in our bench).
  await (await call(bob, "supplyCollateral", params, 100n * unit, bob.address, "0x")).wait();
  await (await call(bob, "borrow", params, 100_000n * unit, 0n, bob.address, bob.address)).wait();
  await (await call(carol, "supplyCollateral", params, 100n * unit, carol.address, "0x")).wait();
  await (await call(carol, "borrow", params, 150_000n * unit, 0n, carol.address, carol.address)).wait();
  await increase(60);

  // The borrower: 100 collateral at 2,000, 150,000 borrowed (LTV 75 %).
  await measure(
    "supplyCollateral (new position)",
    call(alice, "supplyCollateral", params, 100n * unit, alice.address, "0x"),
  );
  await measure(
    "borrow (first on the position)",
    call(alice, "borrow", params, 150_000n * unit, 0n, alice.address, alice.address),
  );
  await increase(60);
  await measure("repay (partial)", call(alice, "repay", params, 100n * unit, 0n, alice.address, "0x"));
  await measure(
    "withdrawCollateral (with debt)",
    call(alice, "withdrawCollateral", params, unit / 100n, alice.address, alice.address),
  );

  // The price falls to 1,850: LTV 81 % > LLTV 77 %.
  await (await oracle.getFunction("setPrice")(price(1_850n))).wait();
  await increase(3_600);
  const borrowShares = async (account: string) =>
    ((await morpho.getFunction("position")(id, account)) as unknown as [bigint, bigint, bigint])[1];
  const tenth = (await borrowShares(alice.address)) / 10n;
  await measure(
    "liquidate 10 % (first: liquidator holds no collateral)",
    call(liquidator, "liquidate", params, alice.address, 0n, tenth, "0x"),
  );
  await measure(
    "liquidate 10 % (second)",
    call(liquidator, "liquidate", params, alice.address, 0n, tenth, "0x"),
  );
  await measure(
    "liquidate (full close)",
    call(liquidator, "liquidate", params, alice.address, 0n, await borrowShares(alice.address), "0x"),
  );

  // A later borrow: bob owes already and holds the loan token.
  await increase(60);
  await measure("borrow (later)", call(bob, "borrow", params, 500n * unit, 0n, bob.address, bob.address));

  // The price falls to 1,200: carol's 100 collateral (120,000) no longer covers her 150,000; all of it is seized
  // and the rest of the debt written off.
  await (await oracle.getFunction("setPrice")(price(1_200n))).wait();
  await increase(60);
  await measure(
    "liquidate (bad debt written off)",
    call(liquidator, "liquidate", params, carol.address, 100n * unit, 0n, "0x"),
  );
  if ((await borrowShares(carol.address)) !== 0n) throw new Error("anchor: the bad debt was not written off");
  if ((await borrowShares(alice.address)) !== 0n) throw new Error("anchor: the full close left debt");
  const labels: Record<string, string> = {};
  for (const [contract, name] of [
    [morpho, "Morpho Blue"],
    [oracle, "oracle (OracleMock)"],
    [irm, "rate model (IrmMock)"],
    [loan, "loan token"],
    [collateral, "collateral token"],
  ] as const) {
    labels[(await contract.getAddress()).toLowerCase()] = name;
  }
  return { figures, hashes, labels };
}
