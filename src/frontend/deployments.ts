/**
 * The protocol's deployments by chain id, from deployments/index.json (which the deploy scripts rebuild from
 * every deployments/<network>.json of a live network). Local chains are not listed: read their
 * deployments/localhost.json instead.
 */
import registry from "../../deployments/index.json";
import { parseDeploymentRecord, type DeploymentRecord } from "../sdk/deployment";

export const deployments: Readonly<Record<number, DeploymentRecord>> = Object.freeze(
  Object.fromEntries(
    Object.entries(registry as Record<string, unknown>).map(([chainId, record]) => [
      Number(chainId),
      parseDeploymentRecord(record, `deployments/index.json[${chainId}]`),
    ]),
  ),
);

/** The deployment on `chainId`; throws naming the chains that have one. */
export function getDeployment(chainId: number | bigint): DeploymentRecord {
  const record = deployments[Number(chainId)];
  if (record === undefined) {
    const known = Object.keys(deployments).join(", ") || "none yet";
    throw new Error(`no deployment on chain ${chainId} (deployed on: ${known})`);
  }
  return record;
}
