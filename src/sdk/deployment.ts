/**
 * The shape of deployments/<network>.json, written by the deploy scripts (deploy/99_record.ts) and read by
 * frontends, the SDK and the keeper. Pure: no file access here.
 */

/** One deployed contract. */
export interface ContractRecord {
  /** Contract name in the artifacts (e.g. MockERC20 for the test tokens). */
  contract: string;
  address: string;
  /** Block of the deploying transaction (null when unknown). */
  blockNumber: number | null;
  transactionHash: string | null;
  /** Constructor arguments as deployed; integers as decimal strings. */
  args: unknown[];
}

export interface DeploymentAddresses {
  market: string;
  factory: string;
  lens: string;
  oracle: string;
  rateModel: string;
  collateralToken: string;
  debtToken: string;
  /** Collateral / USD price feed. */
  feed: string;
  /** L2 sequencer uptime feed, or null. */
  sequencerFeed: string | null;
}

export interface DeploymentRecord {
  /** Hardhat network name. */
  network: string;
  chainId: number;
  deployer: string;
  /** First block of the deployment (its earliest contract). */
  deploymentBlock: number;
  /** Block of the factory's deployment: where indexers (the keeper) start reading events. */
  startBlock: number;
  addresses: DeploymentAddresses;
  /** Every contract by deployment name (CollateralToken, DebtToken, PriceOracle, RateModel, MarketFactory,
   * LendingMarket, MarketLens, and EthUsdFeed on local networks). */
  contracts: Record<string, ContractRecord>;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Checks a parsed deployments/<network>.json; throws naming the first missing or malformed field. */
export function parseDeploymentRecord(value: unknown, origin = "deployment record"): DeploymentRecord {
  const fail = (what: string): never => {
    throw new Error(`${origin}: ${what}`);
  };
  if (typeof value !== "object" || value === null) fail("not a JSON object");
  const r = value as Partial<DeploymentRecord>;
  if (typeof r.network !== "string") fail("network must be a string");
  if (!Number.isSafeInteger(r.chainId) || (r.chainId as number) <= 0)
    fail("chainId must be a positive integer");
  if (!Number.isSafeInteger(r.startBlock) || (r.startBlock as number) < 0)
    fail("startBlock must be a block number");
  if (typeof r.deployer !== "string" || !ADDRESS.test(r.deployer)) fail("deployer must be an address");
  const a = r.addresses as Partial<DeploymentAddresses> | undefined;
  if (typeof a !== "object" || a === null) fail("addresses missing");
  for (const key of [
    "market",
    "factory",
    "lens",
    "oracle",
    "rateModel",
    "collateralToken",
    "debtToken",
    "feed",
  ]) {
    const v = (a as Record<string, unknown>)[key];
    if (typeof v !== "string" || !ADDRESS.test(v)) fail(`addresses.${key} must be an address`);
  }
  if (
    a!.sequencerFeed !== null &&
    (typeof a!.sequencerFeed !== "string" || !ADDRESS.test(a!.sequencerFeed))
  ) {
    fail("addresses.sequencerFeed must be an address or null");
  }
  if (typeof r.contracts !== "object" || r.contracts === null) fail("contracts missing");
  return r as DeploymentRecord;
}
