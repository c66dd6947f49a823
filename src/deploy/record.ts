/** Builds and writes deployments/<network>.json from hardhat-deploy's deployments (see src/sdk/deployment.ts). */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractRecord, DeploymentRecord } from "../sdk/deployment";
import { parseDeploymentRecord } from "../sdk/deployment";

/** Deployment names and the contract each one is. */
const NAMES: Record<string, string> = {
  CollateralToken: "MockERC20",
  DebtToken: "MockERC20",
  EthUsdFeed: "MockV3Aggregator",
  PriceOracle: "ChainlinkPriceOracle",
  RateModel: "KinkedRateModel",
  MarketFactory: "MarketFactory",
  LendingMarket: "LendingMarket",
  MarketLens: "MarketLens",
};

export async function buildRecord(hre: HardhatRuntimeEnvironment): Promise<DeploymentRecord> {
  const { deployer } = await hre.getNamedAccounts();
  const all = await hre.deployments.all();
  const contracts: Record<string, ContractRecord> = {};
  for (const [name, contract] of Object.entries(NAMES)) {
    const d = all[name];
    if (d === undefined) continue;
    contracts[name] = {
      contract,
      address: d.address,
      blockNumber: d.receipt?.blockNumber ?? null,
      transactionHash: d.transactionHash ?? d.receipt?.transactionHash ?? null,
      args: d.args ?? [],
    };
  }
  const address = (name: string): string => {
    const c = contracts[name];
    if (c === undefined) throw new Error(`deploy: "${name}" was not deployed`);
    return c.address;
  };
  const oracleArgs = contracts.PriceOracle?.args ?? [];
  const feed = (oracleArgs[2] as unknown[] | undefined)?.[0];
  const sequencer = oracleArgs[4];
  if (typeof feed !== "string" || typeof sequencer !== "string")
    throw new Error("deploy: oracle arguments missing");
  return parseDeploymentRecord(
    {
      network: hre.network.name,
      chainId: Number(await hre.getChainId()),
      deployer,
      deploymentBlock: Math.min(...Object.values(contracts).map((c) => c.blockNumber ?? Infinity)),
      startBlock: contracts.MarketFactory?.blockNumber ?? 0,
      addresses: {
        market: address("LendingMarket"),
        factory: address("MarketFactory"),
        lens: address("MarketLens"),
        oracle: address("PriceOracle"),
        rateModel: address("RateModel"),
        collateralToken: address("CollateralToken"),
        debtToken: address("DebtToken"),
        feed,
        sequencerFeed: /^0x0{40}$/.test(sequencer) ? null : sequencer,
      },
      contracts,
    },
    `deployment of ${hre.network.name}`,
  );
}

export const recordPath = (dir: string, network: string): string => join(dir, `${network}.json`);

/** Writes the record (2-space JSON, trailing newline); returns the file's path. */
export function writeRecord(dir: string, record: DeploymentRecord): string {
  mkdirSync(dir, { recursive: true });
  const file = recordPath(dir, record.network);
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

export function readRecord(file: string): DeploymentRecord {
  return parseDeploymentRecord(JSON.parse(readFileSync(file, "utf8")), file);
}

/** Networks whose chains vanish with the process or node: not listed in the index. */
const LOCAL_NETWORKS = new Set(["hardhat", "localhost"]);
export const INDEX_FILE = "index.json";

/** Every live network's record in `dir`, keyed by chain id (what the SDK's `deployments` serves). */
export function buildIndex(dir: string): Record<string, DeploymentRecord> {
  const index: Record<string, DeploymentRecord> = {};
  for (const name of readdirSync(dir).sort()) {
    const network = name.replace(/\.json$/, "");
    if (!name.endsWith(".json") || name === INDEX_FILE || LOCAL_NETWORKS.has(network)) continue;
    const record = readRecord(join(dir, name));
    if (index[record.chainId] !== undefined) {
      throw new Error(
        `deployments: ${index[record.chainId].network} and ${network} both claim chain ${record.chainId}`,
      );
    }
    index[record.chainId] = record;
  }
  return index;
}

/** Rewrites `dir`/index.json from the records in `dir`; returns its path. */
export function writeIndex(dir: string): string {
  const file = join(dir, INDEX_FILE);
  writeFileSync(file, JSON.stringify(buildIndex(dir), null, 2) + "\n");
  return file;
}
