/**
 * Verifies every contract of deployments/<network>.json on the network's explorer with hardhat-verify
 * (Etherscan API v2: one ETHERSCAN_API_KEY for every chain):
 *
 *   ETHERSCAN_API_KEY=... npm run verify -- --network sepolia
 *
 * Contracts already verified are reported and skipped; the exit code is 1 if any verification failed.
 */
import hre from "hardhat";
import { recordPath, readRecord } from "../src/deploy/record";
import { verificationJobs } from "../src/deploy/verify";
import { ETHERSCAN_KEY_ENV } from "../src/deploy/networks";

async function main(): Promise<number> {
  if (!process.env[ETHERSCAN_KEY_ENV]) {
    console.error(`verify: ${ETHERSCAN_KEY_ENV} is not set: the Etherscan API key (v2, all chains)`);
    return 2;
  }
  const record = readRecord(recordPath(hre.config.paths.deployments, hre.network.name));
  const sources = new Map<string, string>();
  for (const c of Object.values(record.contracts)) {
    sources.set(c.contract, (await hre.artifacts.readArtifact(c.contract)).sourceName);
  }
  let failed = 0;
  for (const job of verificationJobs(record, (name) => sources.get(name)!)) {
    console.log(`verifying ${job.name} (${job.contract}) at ${job.address}`);
    try {
      await hre.run("verify:verify", {
        address: job.address,
        contract: job.contract,
        constructorArguments: job.constructorArguments,
      });
    } catch (err) {
      failed++;
      console.error(`  failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
