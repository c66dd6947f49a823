import type { DeploymentAddresses, DeploymentRecord } from "../../src/sdk/deployment";

/** Placeholder address `n`: `0x` and `n` in hex, padded to 40 digits. */
export const placeholderAddress = (n: number): string => "0x" + n.toString(16).padStart(40, "0");

/**
 * A deployment record for code that only reads records: deployer 0x…01; market, factory, lens, oracle, rate
 * model, collateral, debt and feed at 0x…02 to 0x…09; no sequencer feed; deployed at block 5, indexed from
 * block 7; no contracts. `overrides` replaces any field, and any address.
 */
export function placeholderRecord(
  network: string,
  chainId: number,
  overrides: Partial<Omit<DeploymentRecord, "addresses">> & { addresses?: Partial<DeploymentAddresses> } = {},
): DeploymentRecord {
  const A = placeholderAddress;
  return {
    network,
    chainId,
    deployer: A(1),
    deploymentBlock: 5,
    startBlock: 7,
    contracts: {},
    ...overrides,
    addresses: {
      market: A(2),
      factory: A(3),
      lens: A(4),
      oracle: A(5),
      rateModel: A(6),
      collateralToken: A(7),
      debtToken: A(8),
      feed: A(9),
      sequencerFeed: null,
      ...overrides.addresses,
    },
  };
}
