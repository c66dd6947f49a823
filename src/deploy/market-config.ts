/**
 * What the deploy steps (deploy/) share: token decimals, the market's parameters and rate curve, and the reads
 * of the network they run on. Kept out of deploy/ because hardhat-deploy runs every file there as a step.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { defaultMarketParams, type MarketParamsInput } from "../sdk/params";
import type { DeployNetwork } from "./networks";

export const COLLATERAL_DECIMALS = 18;
export const DEBT_DECIMALS = 6;

/** The market's name and vault share symbol. */
export const MARKET_NAME = "Gradual WETH/USDC";
export const MARKET_SYMBOL = "gWETH-USDC";

/** Rate curve (KinkedRateModel): 0 % base, 4 % at the 80 % kink, +60 % from the kink to 100 %, WAD per year. */
export const RATE_MODEL_ARGS = [
  "0",
  (4n * 10n ** 16n).toString(),
  (6n * 10n ** 17n).toString(),
  (8n * 10n ** 17n).toString(),
];

/** The documented defaults (docs/MECHANISM.md) for a 6-decimal debt token. */
export function marketParams(): MarketParamsInput {
  return defaultMarketParams(DEBT_DECIMALS);
}

/** Stops when the node's chain id is not the one the network is configured for (a URL for another chain). */
export async function assertChainId(hre: HardhatRuntimeEnvironment, network: DeployNetwork): Promise<void> {
  const chainId = Number(await hre.getChainId());
  if (chainId !== network.chainId) {
    throw new Error(
      `deploy: the RPC endpoint of ${hre.network.name} reports chain id ${chainId}, expected ${network.chainId}`,
    );
  }
}

/** The price feed (deployed mock or configured Chainlink proxy) and sequencer feed (if any) of this network. */
export async function feedAddresses(
  hre: HardhatRuntimeEnvironment,
  network: DeployNetwork,
): Promise<{ feed: string; sequencer?: string; gracePeriodSeconds: number }> {
  if (network.kind === "local") {
    return { feed: (await hre.deployments.get("EthUsdFeed")).address, gracePeriodSeconds: 0 };
  }
  const s = network.sequencer;
  return s.address === null
    ? { feed: network.feed.address, gracePeriodSeconds: 0 }
    : { feed: network.feed.address, sequencer: s.address, gracePeriodSeconds: s.gracePeriodSeconds };
}
