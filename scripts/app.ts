/**
 * `npm run app`: the reference frontend (app/) against a local chain, in one command.
 *
 *   ts-node --transpile-only scripts/app.ts [--port 5173] [--price 1800]
 *
 * Starts `hardhat node` on a free loopback port, deploys the market with the deploy scripts, opens the demo's
 * positions (62–74 % LTV at $2,000), then sets the ETH / USD feed to `--price` dollars (default 1,800: two
 * positions in the soft zone) and lets up to an hour of chain time pass, poking the market's price state every
 * 5 minutes as keepers do, until the deepest position's step is allowed. No keeper runs, so the page shows the
 * steps waiting; take one from the page with the development key. Then it serves the page with Vite, printing
 * its URL.
 * Ctrl-C stops the server and the node.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { confirmPrice, deployWithScripts, openDemoPositions } from "./lib/app-chain";
import { startAppServer } from "./lib/app-server";
import { startHardhatNode } from "./lib/hardhat-node";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main() {
  const port = flag("port") === undefined ? undefined : Number(flag("port"));
  const dollars = BigInt(flag("price") ?? "1800");
  const node = await startHardhatNode();
  const dir = mkdtempSync(join(tmpdir(), "app-deployments-"));
  console.error(`hardhat node on ${node.url}; deploying with deploy/ …`);
  const record = await deployWithScripts(node.url, dir);
  const borrowers = await openDemoPositions(node.url, record);
  const deepest = borrowers.at(-1)!; // 74 % LTV at $2,000
  try {
    const pokes = await confirmPrice(node.url, record, dollars * 10n ** 8n, deepest, 12);
    console.error(
      `ETH / USD at $${dollars}, confirmed by the smoothed price after ${pokes} pokes (5 min apart)`,
    );
  } catch {
    console.error(`ETH / USD at $${dollars}; no step is allowed at that price`);
  }
  console.error(
    `market ${record.addresses.market}: ${borrowers.length} positions, none stepped (no keeper runs)`,
  );
  const server = await startAppServer({ rpcUrl: node.url, record, port, watch: true });
  console.log(`\n  App: ${server.url}\n  e.g. a position: ${server.url}#/position/${deepest}\n`);
  console.log("  Ctrl-C stops the page server and the node.");

  const shutdown = async () => {
    await server.close();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
