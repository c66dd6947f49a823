/**
 * Seeds a local deployment (scripts/lib/local-deployment.ts) with liquidity and borrowers, fast: positions are
 * opened in batches by the BatchPositionCreator test helper (one transaction per `perTx` positions, each a fresh
 * borrower account), with explicit gas limits so that no transaction is executed twice for an estimate.
 */
import type { Signer } from "ethers";
import { BatchPositionCreator__factory, type BatchPositionCreator } from "../../typechain-types";
import type { LocalDeployment } from "./local-deployment";

export interface PositionSpec {
  /** Collateral, collateral-token base units. */
  collateral: bigint;
  /** Debt to borrow, debt-token base units. */
  debt: bigint;
}

/** Gas budget per position of a batch (measured ~115k), and the batch's fixed part (the market's first
 * borrowers touch cold storage slots). */
const GAS_PER_POSITION = 135_000n;
const GAS_PER_BATCH = 500_000n;

/** Mints `amount` debt tokens to `lender` and deposits them in the market. */
export async function supplyLiquidity(d: LocalDeployment, lender: Signer, amount: bigint): Promise<void> {
  const to = await lender.getAddress();
  await (await d.debtToken.connect(lender).mint(to, amount)).wait();
  await (await d.debtToken.connect(lender).approve(d.market, amount)).wait();
  await (await d.market.connect(lender).deposit(amount, to)).wait();
}

/** Deploys a position creator for the market (collateral is minted to it per batch). */
export async function deployCreator(d: LocalDeployment, signer: Signer): Promise<BatchPositionCreator> {
  const creator = await new BatchPositionCreator__factory(signer).deploy(d.market);
  await creator.waitForDeployment();
  return creator;
}

/**
 * Opens one position per spec, `perTx` per transaction (at most ~220 fit a 30M-gas block), and returns the new
 * borrowers in registration order.
 */
export async function createPositions(
  d: LocalDeployment,
  signer: Signer,
  specs: readonly PositionSpec[],
  options: { perTx?: number; creator?: BatchPositionCreator } = {},
): Promise<string[]> {
  const perTx = options.perTx ?? 200;
  const creator = options.creator ?? (await deployCreator(d, signer));
  const total = specs.reduce((s, p) => s + p.collateral, 0n);
  await (await d.collateralToken.connect(signer).mint(creator, total)).wait();
  const accounts: string[] = [];
  for (let i = 0; i < specs.length; i += perTx) {
    const batch = specs.slice(i, i + perTx);
    const tx = await creator.connect(signer).createPositions(
      batch.map((p) => p.collateral),
      batch.map((p) => p.debt),
      { gasLimit: GAS_PER_BATCH + GAS_PER_POSITION * BigInt(batch.length) },
    );
    const receipt = await tx.wait();
    if (receipt?.status !== 1) throw new Error(`position batch ${i / perTx} failed`);
    for (const log of receipt.logs) {
      const parsed = d.market.interface.parseLog(log);
      if (parsed?.name === "BorrowerRegistered") accounts.push(parsed.args.account as string);
    }
  }
  return accounts;
}
