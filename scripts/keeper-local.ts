/**
 * The keeper against a local market, in one command:
 *
 *   ts-node --transpile-only scripts/keeper-local.ts [--positions 50] [--crash] [--once] [--port 8545] [--dry-run]
 *
 * Starts `hardhat node` on 127.0.0.1 (unless --rpc-url points at a running one), deploys a market with
 * scripts/lib/local-deployment.ts from Hardhat account #0, supplies liquidity, opens positions at 60–74 % LTV,
 * and runs the keeper from account #1 (given 1,000,000 debt tokens) with its metrics on 127.0.0.1:9464.
 * `--crash` lowers the oracle price by 20 % a few seconds later, so the keeper has steps to take. Ctrl-C stops.
 * `--once` runs a single pass instead (after the price drop, with `--crash`), prints its report as JSON on
 * stdout and exits: a smoke test of the whole path from deployment to sent steps.
 */
import { HDNodeWallet, JsonRpcProvider, NonceManager } from "ethers";
import { KeeperBot } from "../src/keeper/bot";
import { parseCliArgs, resolveConfig } from "../src/keeper/config";
import { HARDHAT_MNEMONIC, startHardhatNode, type HardhatNode } from "./lib/hardhat-node";
import { deployLocalMarket, LOCAL_INITIAL_ANSWER } from "./lib/local-deployment";
import { createPositions, supplyLiquidity } from "./lib/positions";

const account = (i: number) => HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);

async function main() {
  const crash = process.argv.includes("--crash");
  const once = process.argv.includes("--once");
  const args = parseCliArgs(process.argv.slice(2).filter((a) => a !== "--crash" && a !== "--once"));
  if (args.errors.length > 0) throw new Error(args.errors.join("\n"));
  const flags = args.overrides;
  const positions = Number(flags.positions ?? 50);
  let node: HardhatNode | undefined;
  const rpcUrl = flags.rpcUrl ?? (node = await startHardhatNode({ port: Number(flags.port ?? 8545) })).url;

  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  const deployer = new NonceManager(account(0).connect(provider));
  const keeper = account(1);
  const d = await deployLocalMarket(deployer);
  await supplyLiquidity(d, deployer, 100_000_000n * d.debtUnit);
  // 10 collateral each, borrowing 60–74 % of its value at the initial $2,000.
  const specs = Array.from({ length: positions }, (_, i) => ({
    collateral: 10n * d.collateralUnit,
    debt: ((20_000n * BigInt(60 + (i % 15))) / 100n) * d.debtUnit,
  }));
  await createPositions(d, deployer, specs);
  await (await d.debtToken.connect(deployer).mint(keeper.address, 1_000_000n * d.debtUnit)).wait();
  console.error(`local market ready at ${rpcUrl}: ${JSON.stringify(d.addresses)}`);

  const result = resolveConfig({
    env: {
      KEEPER_RPC_URL: rpcUrl,
      KEEPER_PRIVATE_KEY: keeper.privateKey,
      KEEPER_NETWORK: "localhost",
      KEEPER_FACTORY: d.addresses.factory,
      KEEPER_START_BLOCK: String(d.startBlock),
      KEEPER_POLL_INTERVAL_MS: "500",
      KEEPER_METRICS_PORT: flags.metricsPort ?? "9464",
      ...(args.dryRun ? { KEEPER_DRY_RUN: "true" } : {}),
    },
  });
  if (!result.ok) throw new Error(result.errors.join("\n"));
  const bot = new KeeperBot(result.config);
  const lowerPrice = async () => {
    await (await d.feed.connect(deployer).updateAnswer((LOCAL_INITIAL_ANSWER * 80n) / 100n)).wait();
    console.error("oracle price lowered by 20 %");
  };
  if (once) {
    if (crash) await lowerPrice();
    const report = await bot.runPass();
    console.log(JSON.stringify(report));
    await bot.stop();
    await node?.stop();
    return;
  }
  await bot.start();

  const timer = crash ? setTimeout(() => void lowerPrice(), 5_000) : undefined;

  const shutdown = async () => {
    if (timer) clearTimeout(timer);
    await bot.stop();
    await node?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
