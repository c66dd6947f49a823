/**
 * The chain behind `npm run app` and the app's end-to-end tests: a market deployed to a `hardhat node` by the
 * deploy scripts (`hardhat deploy --network localhost`, as `npm run deploy:localhost` does), with the demo's
 * lenders and borrowers (scripts/lib/demo.ts: 62–74 % LTV at $2,000), and funds for the development key of the
 * app (Hardhat account #0) so that it can add collateral, repay and act as a keeper.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HDNodeWallet, type JsonRpcProvider, type Signer } from "ethers";
import {
  LendingMarket__factory,
  MarketLens__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
} from "../../typechain-types";
import { parseDeploymentRecord, type DeploymentRecord } from "../../src/sdk/deployment";
import { BORROWERS, LENDERS } from "./demo";
import { HARDHAT_MNEMONIC, LocalChainProvider, REPO_ROOT } from "./hardhat-node";

/** What the development key (account #0) is given: debt tokens to repay and step with, and collateral. */
export const DEV_DEBT_FUNDS = 1_000_000n;
export const DEV_COLLATERAL_FUNDS = 100n;

export const hardhatAccount = (i: number, provider?: JsonRpcProvider): HDNodeWallet => {
  const wallet = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
  return provider ? wallet.connect(provider) : wallet;
};

/**
 * Runs the deploy scripts against the node at `rpcUrl`, recording into `dir` (a temporary directory, so the
 * repository's deployments/ is left alone), and returns the deployment record they wrote.
 */
export async function deployWithScripts(rpcUrl: string, dir: string): Promise<DeploymentRecord> {
  const cli = require.resolve("hardhat/internal/cli/bootstrap", { paths: [REPO_ROOT] });
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "deploy", "--network", "localhost"], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOCALHOST_RPC_URL: rpcUrl, DEPLOYMENTS_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("error", reject);
    child.once("exit", (exitCode) => resolve({ code: exitCode, output: out }));
  });
  if (code !== 0) throw new Error(`hardhat deploy failed (exit ${code}):\n${output}`);
  const file = join(dir, "localhost.json");
  return parseDeploymentRecord(JSON.parse(readFileSync(file, "utf8")), file);
}

async function send(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}

/**
 * The demo's lenders (accounts #1–#2) deposit and its borrowers (#3–#8) open positions; the development key
 * (#0) is given debt and collateral tokens. Returns the borrowers' addresses, in the demo's order.
 */
export async function openDemoPositions(rpcUrl: string, record: DeploymentRecord): Promise<string[]> {
  const provider = new LocalChainProvider(rpcUrl);
  try {
    const a = record.addresses;
    const debtToken = MockERC20__factory.connect(a.debtToken, provider);
    const collateralToken = MockERC20__factory.connect(a.collateralToken, provider);
    const market = LendingMarket__factory.connect(a.market, provider);
    const debtUnit = 10n ** (await debtToken.decimals());
    const collateralUnit = 10n ** (await collateralToken.decimals());
    for (const [i, amount] of LENDERS.entries()) {
      const lender: Signer = hardhatAccount(1 + i, provider);
      await send(debtToken.connect(lender).mint(lender, amount * debtUnit));
      await send(debtToken.connect(lender).approve(market, amount * debtUnit));
      await send(market.connect(lender).deposit(amount * debtUnit, lender));
    }
    const borrowers: string[] = [];
    for (const [i, b] of BORROWERS.entries()) {
      const borrower = hardhatAccount(3 + i, provider);
      await send(collateralToken.connect(borrower).mint(borrower, b.collateral * collateralUnit));
      await send(collateralToken.connect(borrower).approve(market, b.collateral * collateralUnit));
      await send(market.connect(borrower).supplyCollateral(borrower, b.collateral * collateralUnit));
      await send(market.connect(borrower).borrow(b.debt * debtUnit, borrower));
      borrowers.push(borrower.address);
    }
    const dev = hardhatAccount(0, provider);
    await send(debtToken.connect(dev).mint(dev, DEV_DEBT_FUNDS * debtUnit));
    await send(collateralToken.connect(dev).mint(dev, DEV_COLLATERAL_FUNDS * collateralUnit));
    return borrowers;
  } finally {
    provider.destroy();
  }
}

/** Sets the mock ETH / USD feed's answer (8 decimals) from account #0 (the deployer). */
export async function setFeedAnswer(rpcUrl: string, record: DeploymentRecord, answer: bigint): Promise<void> {
  const provider = new LocalChainProvider(rpcUrl);
  try {
    const feed = MockV3Aggregator__factory.connect(record.addresses.feed, hardhatAccount(0, provider));
    await send(feed.updateAnswer(answer));
  } finally {
    provider.destroy();
  }
}

/**
 * Moves the feed to `answer` and lets chain time pass, 5 minutes at a time (the feed re-posting the same answer,
 * `updatePriceState` poked each time), until the market's smoothed price confirms the soft zone for `account`,
 * i.e. its step status is Ready, as a keeper bot's pokes would over the same time. Returns the number of pokes;
 * throws if the step is still not allowed after `maxPokes`.
 */
export async function confirmPrice(
  rpcUrl: string,
  record: DeploymentRecord,
  answer: bigint,
  account: string,
  maxPokes = 40,
): Promise<number> {
  const provider = new LocalChainProvider(rpcUrl);
  try {
    const signer = hardhatAccount(0, provider);
    const feed = MockV3Aggregator__factory.connect(record.addresses.feed, signer);
    const market = LendingMarket__factory.connect(record.addresses.market, signer);
    const lens = MarketLens__factory.connect(record.addresses.lens, signer);
    for (let pokes = 0; pokes <= maxPokes; pokes++) {
      if ((await lens.positionState(market, account)).step.status === 0n) return pokes; // StepStatus.Ready
      await provider.send("evm_increaseTime", [300]);
      await send(feed.updateAnswer(answer));
      await send(market.updatePriceState());
    }
    throw new Error(`the step on ${account} is still not allowed after ${maxPokes} pokes`);
  } finally {
    provider.destroy();
  }
}
