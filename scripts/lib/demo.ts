/**
 * The demo of `npm run demo`, on the in-process Hardhat network: deploys the market with the deploy scripts
 * (deploy/), lets two lenders deposit and six borrowers open positions at 62–74 % LTV, then walks the ETH price down
 * through the soft zone into the hard zone, 10 minutes of chain time per tick. After each tick the real keeper bot
 * (src/keeper) runs its passes against the network, served over a loopback JSON-RPC server, and unwinds what the
 * schedule allows. Returns every step with the figures the table and the summary show.
 */
import { HDNodeWallet, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import {
  ChainlinkPriceOracle__factory,
  LendingMarket__factory,
  MarketLens__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  type LendingMarket,
} from "../../typechain-types";
import { KeeperBot } from "../../src/keeper/bot";
import { resolveConfig } from "../../src/keeper/config";
import { createLogger } from "../../src/keeper/log";
import { buildRecord } from "../../src/deploy/record";
import type { DeploymentRecord } from "../../src/sdk/deployment";
import { Zone } from "../../src/sdk/types";
import { WAD, wadMulDown } from "../../src/sdk/math";
import { HARDHAT_MNEMONIC } from "./hardhat-node";

const USDC = 10n ** 6n;
const WETH = 10n ** 18n;
const E8 = 10n ** 8n;

/** Seconds of chain time per price tick. */
export const TICK_SECONDS = 600;
/** The ETH / USD path, dollars: a slow slide through the soft zone, then a gap down into the hard zone. */
export const PRICE_PATH = [
  1_960n,
  1_920n,
  1_880n,
  1_840n,
  1_800n,
  1_770n,
  1_740n,
  1_710n,
  1_680n,
  1_650n,
  1_620n,
  1_590n,
  1_560n,
  1_530n,
  1_500n,
  1_470n,
  1_320n,
  1_300n,
  1_280n,
];
/** Borrowers: collateral (WETH) and debt (USDC) at the initial $2,000, i.e. LTVs of 62–74 %. */
export const BORROWERS = [
  { collateral: 10n, debt: 12_400n },
  { collateral: 20n, debt: 26_400n },
  { collateral: 15n, debt: 20_700n },
  { collateral: 25n, debt: 35_500n },
  { collateral: 8n, debt: 11_520n },
  { collateral: 30n, debt: 44_400n },
];
export const LENDERS = [600_000n, 400_000n];
/** What the keeper starts with, USDC. */
export const KEEPER_FUNDS = 1_000_000n;

/** One liquidation step, from the market's LiquidationStepped event. */
export interface DemoStep {
  /** Seconds since the first price tick. */
  t: number;
  block: number;
  /** Oracle price at the step, debt base units per collateral base unit × 1e18. */
  priceWad: bigint;
  borrower: number;
  zone: Zone;
  ltvBeforeWad: bigint;
  ltvAfterWad: bigint;
  repaid: bigint;
  seized: bigint;
  tip: bigint;
  incentiveWad: bigint;
  /** What the keeper earned: the seized collateral at the oracle price minus what it paid (repaid - tip). */
  keeperFee: bigint;
}

/** Market-wide figures at a block. */
export interface Books {
  block: number;
  cash: bigint;
  debt: bigint;
  reserves: bigint;
  /** Collateral tokens held by the market. */
  collateral: bigint;
  keeperDebtTokens: bigint;
  keeperCollateral: bigint;
}

export interface DemoResult {
  record: DeploymentRecord;
  borrowers: string[];
  keeper: string;
  /** The books after the positions opened (before the walk) and at the end. */
  before: Books;
  after: Books;
  steps: DemoStep[];
  /** Interest accrued during the walk (InterestAccrued events), debt base units. */
  interest: bigint;
  /** Reserves' share of that interest. */
  reserveShare: bigint;
  /** Debt written off (BadDebtRealized events). */
  badDebt: bigint;
  /** Final state of each position. */
  final: { debt: bigint; collateral: bigint; ltvWad: bigint; zone: Zone }[];
  hardLtvWad: bigint;
  softLtvWad: bigint;
  keeperGasUsed: bigint;
  keeperTransactions: number;
  wallSeconds: number;
}

const account = (i: number) => HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);

async function send(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}

export interface DemoOptions {
  /** Called with each line of progress (nothing by default). */
  progress?: (line: string) => void;
}

/** Runs the demo on `hre`'s network, which must be the in-process `hardhat` network. */
export async function runDemo(
  hre: HardhatRuntimeEnvironment,
  options: DemoOptions = {},
): Promise<DemoResult> {
  if (hre.network.name !== "hardhat") throw new Error("demo: runs on the in-process hardhat network only");
  const progress = options.progress ?? (() => undefined);
  const started = Date.now();

  await hre.deployments.fixture();
  const record = await buildRecord(hre);
  const signers = await hre.ethers.getSigners();
  const [admin] = signers;
  const market = LendingMarket__factory.connect(record.addresses.market, admin);
  const debtToken = MockERC20__factory.connect(record.addresses.debtToken, admin);
  const collateralToken = MockERC20__factory.connect(record.addresses.collateralToken, admin);
  const feed = MockV3Aggregator__factory.connect(record.addresses.feed, admin);
  const oracle = ChainlinkPriceOracle__factory.connect(record.addresses.oracle, hre.ethers.provider);
  const lens = MarketLens__factory.connect(record.addresses.lens, hre.ethers.provider);
  progress(`market ${record.addresses.market} deployed by deploy/ (factory ${record.addresses.factory})`);

  // Lenders: accounts #1-#2. Borrowers: #3-#8. Keeper: #9.
  for (const [i, amount] of LENDERS.entries()) {
    const lender = signers[1 + i];
    await send(debtToken.connect(lender).mint(lender, amount * USDC));
    await send(debtToken.connect(lender).approve(market, amount * USDC));
    await send(market.connect(lender).deposit(amount * USDC, lender));
  }
  const borrowers: string[] = [];
  for (const [i, b] of BORROWERS.entries()) {
    const borrower = signers[3 + i];
    await openPosition(
      market,
      collateralToken.connect(borrower),
      borrower,
      b.collateral * WETH,
      b.debt * USDC,
    );
    borrowers.push(await borrower.getAddress());
  }
  const keeperWallet = account(9);
  await send(debtToken.mint(keeperWallet.address, KEEPER_FUNDS * USDC));
  progress(
    `${LENDERS.length} lenders deposited ${LENDERS.reduce((a, b) => a + b, 0n)} USDC; ` +
      `${BORROWERS.length} borrowers opened positions at 62-74 % LTV (ETH at $2,000)`,
  );

  // The keeper bot talks JSON-RPC over HTTP: serve the in-process network on a loopback port.
  const server = (await hre.run(TASK_NODE_CREATE_SERVER, {
    hostname: "127.0.0.1",
    port: 0,
    provider: hre.network.provider,
  })) as { listen(): Promise<{ port: number }>; close(): Promise<void> };
  const { port } = await server.listen();
  const resolved = resolveConfig({
    env: {
      KEEPER_RPC_URL: `http://127.0.0.1:${port}`,
      KEEPER_PRIVATE_KEY: keeperWallet.privateKey,
      KEEPER_NETWORK: "hardhat",
      KEEPER_FACTORY: record.addresses.factory,
      KEEPER_LENS: record.addresses.lens,
      KEEPER_START_BLOCK: String(record.startBlock),
      KEEPER_EVALUATION: "full",
      KEEPER_LOG_LEVEL: "error",
    },
  });
  if (!resolved.ok) throw new Error(`demo: keeper configuration: ${resolved.errors.join("; ")}`);
  const bot = new KeeperBot(resolved.config, { logger: createLogger({ level: "error" }) });

  try {
    const before = await books(hre, market, collateralToken, keeperWallet.address);
    const t0 = (await hre.ethers.provider.getBlock("latest"))!.timestamp + TICK_SECONDS;
    for (const [i, dollars] of PRICE_PATH.entries()) {
      await hre.network.provider.request({
        method: "evm_setNextBlockTimestamp",
        params: [t0 + i * TICK_SECONDS],
      });
      await send(feed.updateAnswer(dollars * E8));
      const sent = await drive(bot);
      progress(`t+${clock(i * TICK_SECONDS)}  ETH $${dollars}  keeper sent ${sent} transaction(s)`);
    }
    const after = await books(hre, market, collateralToken, keeperWallet.address);

    const steps: DemoStep[] = [];
    let keeperGasUsed = 0n;
    const keeperTxs = new Set<string>();
    for (const log of await market.queryFilter(
      market.filters.LiquidationStepped(),
      before.block + 1,
      after.block,
    )) {
      const block = (await log.getBlock())!;
      const priceWad = await oracle.price({ blockTag: log.blockNumber });
      const { account: who, zone, repaid, seized, incentiveWad, tip, ltvBeforeWad, ltvAfterWad } = log.args;
      steps.push({
        t: block.timestamp - t0,
        block: log.blockNumber,
        priceWad,
        borrower: borrowers.indexOf(who),
        zone: Number(zone) as Zone,
        ltvBeforeWad,
        ltvAfterWad,
        repaid,
        seized,
        tip,
        incentiveWad,
        keeperFee: wadMulDown(seized, priceWad) - (repaid - tip),
      });
      if (!keeperTxs.has(log.transactionHash)) {
        keeperTxs.add(log.transactionHash);
        keeperGasUsed += (await log.getTransactionReceipt()).gasUsed;
      }
    }
    const sum = <T>(items: T[], f: (x: T) => bigint) => items.reduce((s, x) => s + f(x), 0n);
    const accruals = await market.queryFilter(
      market.filters.InterestAccrued(),
      before.block + 1,
      after.block,
    );
    const badDebts = await market.queryFilter(
      market.filters.BadDebtRealized(),
      before.block + 1,
      after.block,
    );
    const states = await lens.positionStates(market, borrowers);
    const p = await market.params();
    return {
      record,
      borrowers,
      keeper: keeperWallet.address,
      before,
      after,
      steps,
      interest: sum(accruals, (e) => e.args.interest),
      reserveShare: sum(accruals, (e) => e.args.reserveShare),
      badDebt: sum(badDebts, (e) => e.args.amount),
      final: states.map((s) => ({
        debt: s.debt,
        collateral: s.collateral,
        ltvWad: s.ltvWad,
        zone: Number(s.zone) as Zone,
      })),
      hardLtvWad: (p.hardLtvBps * WAD) / 10_000n,
      softLtvWad: (p.softLtvBps * WAD) / 10_000n,
      keeperGasUsed,
      keeperTransactions: keeperTxs.size,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await bot.stop();
    await server.close();
  }
}

async function openPosition(
  market: LendingMarket,
  collateralToken: ReturnType<typeof MockERC20__factory.connect>,
  borrower: Signer,
  collateral: bigint,
  debt: bigint,
): Promise<void> {
  await send(collateralToken.mint(borrower, collateral));
  await send(collateralToken.approve(market, collateral));
  await send(market.connect(borrower).supplyCollateral(borrower, collateral));
  await send(market.connect(borrower).borrow(debt, borrower));
}

/**
 * Runs keeper passes until the bot has nothing in flight and its last pass sent nothing: each step it sends is
 * mined at once, and the next pass collects the outcome and looks again. Returns the transactions sent.
 */
async function drive(bot: KeeperBot): Promise<number> {
  let sent = 0;
  for (let pass = 0; pass < 50; pass++) {
    const report = await bot.runPass();
    sent += report?.sent ?? 0;
    if ((bot.txm?.inFlight ?? 0) === 0 && (report === undefined || report.sent === 0)) return sent;
  }
  throw new Error("demo: the keeper did not settle within 50 passes");
}

async function books(
  hre: HardhatRuntimeEnvironment,
  market: LendingMarket,
  collateralToken: ReturnType<typeof MockERC20__factory.connect>,
  keeper: string,
): Promise<Books> {
  // Accrue and store first, so the views below read stored books, and the InterestAccrued events after this
  // block account for every later accrual.
  await send(market.updatePriceState());
  const block = await hre.ethers.provider.getBlockNumber();
  const [cash, debt, reserves] = await market.accounting({ blockTag: block });
  const debtToken = MockERC20__factory.connect(await market.asset(), hre.ethers.provider);
  return {
    block,
    cash,
    debt,
    reserves,
    collateral: await collateralToken.balanceOf(market, { blockTag: block }),
    keeperDebtTokens: await debtToken.balanceOf(keeper, { blockTag: block }),
    keeperCollateral: await collateralToken.balanceOf(keeper, { blockTag: block }),
  };
}

/** h:mm of a duration in seconds. */
export function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}`;
}
