/**
 * Where each deployment goes and what it is built from: the networks the deploy scripts (deploy/) support, the
 * environment variables each needs, and the Chainlink feeds of the testnets with the source of every address.
 * Pure data and checks, no I/O: hardhat.config.ts and the deploy steps read it.
 *
 * The market prices test WETH in test USDC with the chain's ETH / USD feed (one feed, the test USDC counting as
 * one dollar). Both tokens are mintable MockERC20s on every network.
 */

/** A Chainlink feed the oracle will read, and what it must say about itself on chain before it is used. */
export interface FeedSpec {
  /** Proxy address (never the aggregator behind it). */
  address: string;
  /** What `decimals()` must return. */
  decimals: number;
  /** What `description()` must return. */
  description: string;
  /** Oracle staleness limit, seconds (just above the feed's heartbeat). */
  heartbeatSeconds: number;
  /** Oracle bounds, in the feed's decimals. */
  minAnswer: bigint;
  maxAnswer: bigint;
  /** Where the address was taken from. */
  source: string;
}

/** The L2 sequencer uptime feed, or why there is none. */
export type SequencerSpec =
  | { address: string; description: string; gracePeriodSeconds: number; source: string }
  | { address: null; reason: string; source: string };

export interface LiveNetwork {
  kind: "live";
  chainId: number;
  /** Environment variable holding the JSON-RPC URL. */
  rpcUrlEnv: string;
  feed: FeedSpec;
  sequencer: SequencerSpec;
}

/** In-process network or a local `hardhat node`: mock tokens and a MockV3Aggregator feed deployed here. */
export interface LocalNetwork {
  kind: "local";
  chainId: number;
  /** The mock feed: its decimals, description, first answer and the oracle's checks on it. */
  feed: Omit<FeedSpec, "address" | "source"> & { initialAnswer: bigint };
}

export type DeployNetwork = LiveNetwork | LocalNetwork;

/** Environment variable holding the deployer's private key on live networks. */
export const DEPLOYER_KEY_ENV = "DEPLOYER_PRIVATE_KEY";
/** Environment variable holding the (Etherscan v2, multichain) API key used by `hardhat verify`. */
export const ETHERSCAN_KEY_ENV = "ETHERSCAN_API_KEY";
/** Optional JSON-RPC URL of the `localhost` network (default http://127.0.0.1:8545). */
export const LOCALHOST_URL_ENV = "LOCALHOST_RPC_URL";

const E8 = 10n ** 8n;
/** ETH / USD bounds for the oracle: $1 to $1,000,000 (8 decimals), well inside the aggregators' own. */
const ETH_USD_BOUNDS = { minAnswer: 1n * E8, maxAnswer: 1_000_000n * E8 };
/**
 * Testnet feeds are updated less reliably than mainnet ones: the staleness limit is a day plus a margin so a test
 * market does not stop on a slow testnet round. Set it just above the published heartbeat before any mainnet use.
 */
const TESTNET_HEARTBEAT_SECONDS = 90_000;
const FEEDS_PAGE = "https://docs.chain.link/data-feeds/price-feeds/addresses";
const SEQUENCER_PAGE = "https://docs.chain.link/data-feeds/l2-sequencer-feeds";

const ethUsd = (address: string, network: string): FeedSpec => ({
  address,
  decimals: 8,
  description: "ETH / USD",
  heartbeatSeconds: TESTNET_HEARTBEAT_SECONDS,
  ...ETH_USD_BOUNDS,
  source: `${FEEDS_PAGE}?network=${network} (ETH / USD)`,
});

const noTestnetSequencerFeed = (chain: string): SequencerSpec => ({
  address: null,
  reason: `Chainlink lists sequencer uptime feeds for ${chain} mainnet only, none for its Sepolia testnet`,
  source: SEQUENCER_PAGE,
});

const localFeed: LocalNetwork["feed"] = {
  decimals: 8,
  description: "v0.8/tests/MockV3Aggregator.sol", // what Chainlink's MockV3Aggregator returns
  heartbeatSeconds: 3_600,
  ...ETH_USD_BOUNDS,
  initialAnswer: 2_000n * E8,
};

export const NETWORKS: Record<string, DeployNetwork> = {
  hardhat: { kind: "local", chainId: 31_337, feed: localFeed },
  localhost: { kind: "local", chainId: 31_337, feed: localFeed },
  sepolia: {
    kind: "live",
    chainId: 11_155_111,
    rpcUrlEnv: "SEPOLIA_RPC_URL",
    feed: ethUsd("0x694AA1769357215DE4FAC081bf1f309aDC325306", "ethereum&page=1&testnetPage=1"),
    sequencer: { address: null, reason: "L1: no sequencer", source: SEQUENCER_PAGE },
  },
  arbitrumSepolia: {
    kind: "live",
    chainId: 421_614,
    rpcUrlEnv: "ARBITRUM_SEPOLIA_RPC_URL",
    feed: ethUsd("0xd30e2101a97dcbAeBCBC04F14C3f624E67A35165", "arbitrum&page=1&testnetPage=1"),
    sequencer: noTestnetSequencerFeed("Arbitrum"),
  },
  baseSepolia: {
    kind: "live",
    chainId: 84_532,
    rpcUrlEnv: "BASE_SEPOLIA_RPC_URL",
    feed: ethUsd("0x4aDC67696bA383F43DD60A9e78F2C97Fbbfc7cb1", "base&page=1&testnetPage=1"),
    sequencer: noTestnetSequencerFeed("Base"),
  },
};

/** The network's deployment settings; throws for a network the deploy scripts do not know. */
export function deployNetwork(name: string): DeployNetwork {
  const network = NETWORKS[name];
  if (network === undefined) {
    throw new Error(`deploy: unknown network "${name}"; known: ${Object.keys(NETWORKS).join(", ")}`);
  }
  return network;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Every problem with the environment a deployment to `name` needs, each naming its variable (empty: ready).
 * Local networks need nothing.
 */
export function networkEnvProblems(name: string, env: Env): string[] {
  const network = deployNetwork(name);
  if (network.kind === "local") return [];
  const problems: string[] = [];
  const url = env[network.rpcUrlEnv];
  if (!url) problems.push(`${network.rpcUrlEnv} is not set: the JSON-RPC URL of ${name}`);
  else if (!/^https?:\/\//.test(url)) problems.push(`${network.rpcUrlEnv} must be an http(s) URL`);
  const key = env[DEPLOYER_KEY_ENV];
  if (!key) problems.push(`${DEPLOYER_KEY_ENV} is not set: the deployer's private key (0x + 64 hex digits)`);
  else if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    problems.push(`${DEPLOYER_KEY_ENV} must be 0x followed by 64 hex digits`);
  return problems;
}

/** Throws one error listing every missing or malformed variable a deployment to `name` needs. */
export function requireNetworkEnv(name: string, env: Env): void {
  const problems = networkEnvProblems(name, env);
  if (problems.length > 0) {
    throw new Error(
      `deploy to ${name}: missing configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/** What a feed said about itself on chain. */
export interface FeedIdentity {
  decimals: number;
  description: string;
}

/** Why the feed at `address` must not be used (undefined: it matches the configuration). */
export function feedMismatch(
  address: string,
  expected: FeedIdentity,
  actual: FeedIdentity,
): string | undefined {
  const wrong: string[] = [];
  if (actual.decimals !== expected.decimals) {
    wrong.push(`decimals() is ${actual.decimals}, expected ${expected.decimals}`);
  }
  if (actual.description !== expected.description) {
    wrong.push(`description() is "${actual.description}", expected "${expected.description}"`);
  }
  if (wrong.length === 0) return undefined;
  return `feed ${address} does not match the configuration: ${wrong.join("; ")}; refusing to deploy`;
}
