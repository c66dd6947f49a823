/**
 * Helpers of the keeper's integration tests: a `hardhat node` child process, deployments through
 * scripts/lib/local-deployment.ts, a keeper bot running in this process against the node's URL (its JSON log
 * lines captured), and readers of what happened on chain.
 */
import { HDNodeWallet, JsonRpcProvider, NonceManager, type Log } from "ethers";
import { KeeperBot } from "../../../src/keeper/bot";
import { resolveConfig } from "../../../src/keeper/config";
import { createLogger } from "../../../src/keeper/log";
import { StepStatus, Zone } from "../../../src/sdk/types";
import {
  HARDHAT_MNEMONIC,
  LocalChainProvider,
  startHardhatNode,
  type HardhatNode,
} from "../../../scripts/lib/hardhat-node";
import {
  deployLocalMarket,
  type LocalDeployment,
  type LocalDeploymentOptions,
} from "../../../scripts/lib/local-deployment";
import { createPositions, supplyLiquidity, type PositionSpec } from "../../../scripts/lib/positions";

export const E8 = 10n ** 8n;

/** Hardhat's default account `i` (funded with 10,000 ETH on every fresh node). */
export const account = (i: number) =>
  HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);

export class NodeEnv {
  node!: HardhatNode;
  provider!: JsonRpcProvider;
  /** Hardhat account #0, with its own nonce manager. */
  deployer!: NonceManager;
  private readonly bots: KeeperBot[] = [];

  async start(port?: number): Promise<void> {
    this.node = await startHardhatNode({ port });
    this.provider = new LocalChainProvider(this.node.url, { pollingInterval: 50 });
    this.deployer = this.signer(0);
  }

  /** Hardhat account `i` on this node, with its own nonce manager. */
  signer(i: number): NonceManager {
    return new NonceManager(account(i).connect(this.provider));
  }

  /** Stops every bot started here, then the node. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.bots.splice(0).map((b) => b.stop().catch(() => undefined)));
    this.provider?.destroy();
    await this.node?.stop();
  }

  /** Kills the node and starts a fresh one on the same port (all chain state is lost). */
  async restartNode(): Promise<void> {
    const port = this.node.port;
    this.provider.destroy();
    await this.node.stop();
    await this.start(port);
  }

  async deploy(
    options: LocalDeploymentOptions & { deployer?: NonceManager; liquidity?: bigint } = {},
  ): Promise<LocalDeployment> {
    const deployer = options.deployer ?? this.deployer;
    const d = await deployLocalMarket(deployer, options);
    await supplyLiquidity(d, deployer, (options.liquidity ?? 10_000_000n) * d.debtUnit);
    return d;
  }

  async positions(d: LocalDeployment, specs: PositionSpec[], deployer = this.deployer): Promise<string[]> {
    return createPositions(d, deployer, specs);
  }

  /** Sets the feed's answer (8 decimals, in dollars here); mines a block. */
  async setPrice(d: LocalDeployment, dollars: bigint, deployer = this.deployer): Promise<void> {
    await (await d.feed.connect(deployer).updateAnswer(dollars * E8)).wait();
  }

  /** Moves time forward and re-posts the price (so the feed is not stale); mines one block. */
  async advance(d: LocalDeployment, seconds: number, dollars: bigint): Promise<void> {
    await this.provider.send("evm_increaseTime", [seconds]);
    await this.setPrice(d, dollars);
  }

  async blockNumber(): Promise<number> {
    return Number(await this.provider.send("eth_blockNumber", []));
  }

  /** Starts a keeper on this node for `d`'s factory; `env` holds KEEPER_* overrides. */
  async startBot(d: LocalDeployment, keeper: HDNodeWallet | undefined, env: Record<string, string> = {}) {
    const lines: string[] = [];
    const result = resolveConfig({
      env: {
        KEEPER_RPC_URL: this.node.url,
        KEEPER_NETWORK: "localhost",
        KEEPER_FACTORY: d.addresses.factory,
        KEEPER_LENS: d.addresses.lens,
        KEEPER_START_BLOCK: String(d.startBlock),
        KEEPER_POLL_INTERVAL_MS: "100",
        KEEPER_RPC_ATTEMPTS: "2",
        KEEPER_RETRY_BASE_MS: "100",
        KEEPER_RETRY_MAX_MS: "500",
        KEEPER_COOLDOWN_BASE_MS: "2000",
        KEEPER_METRICS_PORT: "0",
        KEEPER_LOG_LEVEL: "debug",
        ...(keeper ? { KEEPER_PRIVATE_KEY: keeper.privateKey } : {}),
        ...env,
      },
    });
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const bot = new KeeperBot(result.config, {
      logger: createLogger({ level: "debug", write: (l) => lines.push(l) }),
    });
    this.bots.push(bot);
    await bot.start();
    const logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string });
    return { bot, lines, logs };
  }

  /** Waits until the bot evaluated the latest block and has nothing in flight. */
  async idle(bot: KeeperBot, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      async () =>
        bot.metrics.get("keeper_last_block") >= (await this.blockNumber()) && (bot.txm?.inFlight ?? 0) === 0,
      "the keeper to be idle",
      timeoutMs,
    );
  }
}

/** Polls `condition` every 50 ms until it holds, failing after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // the node may be restarting: keep polling
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Accounts whose step is allowed now, by the market's own view. */
export async function readyAccounts(d: LocalDeployment, accounts: string[]): Promise<string[]> {
  const states = await d.lens.positionStates(d.market, accounts);
  return accounts.filter((_, i) => Number(states[i].step.status) === StepStatus.Ready);
}

export async function statuses(d: LocalDeployment, accounts: string[]): Promise<StepStatus[]> {
  return (await d.lens.positionStates(d.market, accounts)).map((s) => Number(s.step.status) as StepStatus);
}

export interface StepEvent {
  account: string;
  keeper: string;
  zone: Zone;
  repaid: bigint;
  seized: bigint;
  block: number;
  timestamp: number;
  txHash: string;
}

/** Every LiquidationStepped of the market, with its block's timestamp. */
export async function stepEvents(d: LocalDeployment, provider: JsonRpcProvider): Promise<StepEvent[]> {
  const logs = await d.market.queryFilter(d.market.filters.LiquidationStepped(), 0, "latest");
  const out: StepEvent[] = [];
  for (const l of logs) {
    const block = await provider.getBlock(l.blockNumber);
    out.push({
      account: l.args.account,
      keeper: l.args.keeper,
      zone: Number(l.args.zone) as Zone,
      repaid: l.args.repaid,
      seized: l.args.seized,
      block: l.blockNumber,
      timestamp: block!.timestamp,
      txHash: (l as Log).transactionHash,
    });
  }
  return out;
}

/** Every transaction `from` sent that was mined in [fromBlock, latest], with its status. */
export async function minedTransactions(provider: JsonRpcProvider, from: string, fromBlock: number) {
  const latest = Number(await provider.send("eth_blockNumber", []));
  const out: Array<{ hash: string; to: string; data: string; nonce: number; status: number; block: number }> =
    [];
  for (let n = fromBlock; n <= latest; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== from.toLowerCase()) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      out.push({
        hash: tx.hash,
        to: tx.to ?? "",
        data: tx.data,
        nonce: tx.nonce,
        status: receipt!.status ?? 0,
        block: n,
      });
    }
  }
  return out;
}

/** `count` positions of `collateral` WETH each, borrowing `fromDollars`, `fromDollars + stepDollars`, … */
export function ladder(
  d: LocalDeployment,
  count: number,
  collateral: bigint,
  fromDollars: bigint,
  stepDollars: bigint,
) {
  return Array.from({ length: count }, (_, i) => ({
    collateral: collateral * d.collateralUnit,
    debt: (fromDollars + stepDollars * BigInt(i)) * d.debtUnit,
  }));
}
