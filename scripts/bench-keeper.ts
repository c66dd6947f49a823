/**
 * Keeper benchmark: opens N positions on a local `hardhat node` (a child process), then times the keeper's
 * evaluation passes and counts their RPC traffic (HTTP requests, and JSON-RPC calls inside them).
 *
 *   ts-node --transpile-only scripts/bench-keeper.ts --n 10000 [--page-size 800[,200…]] [--per-tx 200]
 *
 * Reported passes (each on a fresh block, nothing to send, so a pass is pure evaluation):
 *   cold       first pass of a new keeper (`evaluation: local`, the default): market discovery, event catch-up
 *              from the factory's block, and an evaluation of every position;
 *   local      every position each block, from its stored word (`packedPositions`, pages of 5,000 in one
 *              JSON-RPC batch) and the market's state, with the contract's arithmetic (src/sdk), before and after
 *              a 10 % price drop;
 *   full       `evaluation: full`: every position through `MarketLens.positionStates`, in pages sent as one JSON-RPC batch;
 *   screened   `evaluation: screened` in steady state: positions that cannot be in a liquidation zone (by their
 *              last soft liquidation price and the borrow index) are not re-read, except a rotating refresh
 *              slice (1/50 of them per block); and after the 10 % price drop.
 */
import { HDNodeWallet, JsonRpcProvider, NonceManager } from "ethers";
import { KeeperBot, type PassReport } from "../src/keeper/bot";
import { resolveConfig } from "../src/keeper/config";
import { silentLogger } from "../src/keeper/log";
import { CountingJsonRpcProvider } from "../src/keeper/rpc";
import { HARDHAT_MNEMONIC, startHardhatNode } from "./lib/hardhat-node";
import { deployLocalMarket, LOCAL_INITIAL_ANSWER } from "./lib/local-deployment";
import { createPositions, supplyLiquidity } from "./lib/positions";

function flag(name: string, fallback: number): number {
  return flagList(name, [fallback])[0];
}

/** `--name 1,2,3` as numbers. */
function flagList(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  const values = i >= 0 ? (process.argv[i + 1] ?? "").split(",").map(Number) : fallback;
  if (values.some((v) => !Number.isSafeInteger(v) || v <= 0)) {
    throw new Error(`--${name} must be a positive integer (or a comma-separated list)`);
  }
  return values;
}

async function main() {
  const n = flag("n", 1_000);
  // Several page sizes may be compared in one run: `--page-size 200,800` (the first one is used for screening).
  const pageSizes = flagList("page-size", [800]);
  const perTx = flag("per-tx", 200);
  const node = await startHardhatNode();
  try {
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 50 });
    const deployer = new NonceManager(
      HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(provider),
    );
    const d = await deployLocalMarket(deployer);
    await supplyLiquidity(d, deployer, 1_000_000_000n * d.debtUnit);

    // 1 WETH each, borrowing 900 … 1,499 USDC (45–75 % LTV at $2,000).
    const specs = Array.from({ length: n }, (_, i) => ({
      collateral: d.collateralUnit,
      debt: BigInt(900 + (i % 600)) * d.debtUnit,
    }));
    let t0 = performance.now();
    await createPositions(d, deployer, specs, { perTx });
    const createMs = performance.now() - t0;
    const created = Number(await d.market.borrowersLength());
    console.log(
      `created ${created} positions in ${(createMs / 1000).toFixed(1)} s (${perTx} per transaction)`,
    );

    const newBot = (evaluation: "local" | "full" | "screened", pageSize: number) => {
      const result = resolveConfig({
        env: {
          KEEPER_RPC_URL: node.url,
          KEEPER_NETWORK: "localhost",
          KEEPER_FACTORY: d.addresses.factory,
          KEEPER_LENS: d.addresses.lens,
          KEEPER_START_BLOCK: String(d.startBlock),
          KEEPER_DRY_RUN: "true",
          KEEPER_EVALUATION: evaluation,
          KEEPER_PAGE_SIZE: String(pageSize),
          KEEPER_METRICS_PORT: "off",
        },
      });
      if (!result.ok) throw new Error(result.errors.join("\n"));
      const counting = new CountingJsonRpcProvider(node.url, result.config.chainId);
      return new KeeperBot(result.config, { provider: counting, logger: silentLogger });
    };
    const mine = () => provider.send("evm_mine", []);
    const rows: Array<[string, PassReport]> = [];
    const pass = async (label: string, bot: KeeperBot) => {
      const r = await bot.runPass();
      if (!r) throw new Error(`${label}: no new block`);
      rows.push([label, r]);
    };

    const bots: KeeperBot[] = [];
    const local = newBot("local", pageSizes[0]);
    bots.push(local);
    await pass("cold: discovery, catch-up, all (local)", local);
    await mine();
    await pass("local: all positions", local);
    await mine();
    await pass("local: all positions (again)", local);
    const screened = newBot("screened", pageSizes[0]);
    bots.push(screened);
    await screened.runPass(); // cold pass (every position on chain), not reported
    await mine();
    await pass("screened: steady state", screened);
    await mine();
    await pass("screened: steady state (again)", screened);
    for (const size of pageSizes) {
      const full = newBot("full", size);
      bots.push(full);
      await full.runPass(); // cold pass, not reported
      await mine();
      await pass(`full: all positions (page ${size})`, full);
      await mine();
      await pass(`full: all positions (page ${size}, again)`, full);
    }
    await (await d.feed.connect(deployer).updateAnswer((LOCAL_INITIAL_ANSWER * 90n) / 100n)).wait();
    await pass("local: after a 10 % price drop", local);
    await mine();
    await pass("local: after the drop (again)", local);
    await mine();
    await pass("screened: after the drop", screened);
    await mine();
    await pass("screened: after the drop (again)", screened);

    console.log(`\nevaluation passes over ${created} positions:`);
    console.log(
      "pass".padEnd(44) +
        "ms".padStart(8) +
        "evaluated".padStart(11) +
        "ready".padStart(7) +
        "HTTP".padStart(6) +
        "calls".padStart(7),
    );
    for (const [label, r] of rows) {
      console.log(
        label.padEnd(44) +
          String(Math.round(r.durationMs)).padStart(8) +
          String(r.evaluated).padStart(11) +
          String(r.ready).padStart(7) +
          String(r.rpcRequests).padStart(6) +
          String(r.rpcCalls).padStart(7),
      );
    }
    console.log(
      JSON.stringify({
        positions: created,
        createSeconds: +(createMs / 1000).toFixed(2),
        passes: rows.map(([label, r]) => ({ label, ...r })),
      }),
    );
    for (const b of bots) b.provider.destroy();
    provider.destroy();
  } finally {
    await node.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
