/** What `scripts/verify.ts` submits to the explorer for each contract of a deployment record (pure). */
import type { DeploymentRecord } from "../sdk/deployment";

export interface VerificationJob {
  name: string;
  address: string;
  /** Fully qualified contract name, e.g. contracts/core/LendingMarket.sol:LendingMarket. */
  contract: string;
  constructorArguments: unknown[];
}

/** One job per recorded contract, in the record's order; `sourceOf` maps a contract name to its source file. */
export function verificationJobs(
  record: DeploymentRecord,
  sourceOf: (contract: string) => string,
): VerificationJob[] {
  return Object.entries(record.contracts).map(([name, c]) => ({
    name,
    address: c.address,
    contract: `${sourceOf(c.contract)}:${c.contract}`,
    constructorArguments: c.args,
  }));
}
