/**
 * `npm run app:build`: the reference frontend (app/) as static files.
 *
 *   ts-node --transpile-only scripts/app-build.ts [--out app/dist]
 *
 * Any static host serves the folder, under any path. The page lists the networks of the package's deployments
 * (read through the visitor's wallet) and, when an `app-config.json` sits beside `index.html`, the networks it
 * names with their JSON-RPC URL: `{ "networks": [{ "rpcUrl": "https://…", "deployment": <deployments/NAME.json> }] }`.
 */
import { resolve } from "node:path";
import { buildApp } from "./lib/app-server";
import { REPO_ROOT } from "./lib/hardhat-node";

async function main() {
  const i = process.argv.indexOf("--out");
  const outDir = resolve(REPO_ROOT, i === -1 ? "app/dist" : process.argv[i + 1]);
  await buildApp(outDir);
  console.log(`built the app into ${outDir}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
