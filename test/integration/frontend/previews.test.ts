import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { MaxUint256, type Signer } from "ethers";
import {
  LendingMarket__factory,
  ORACLE_UNUSABLE,
  previewBorrow,
  previewRepay,
  previewSupplyCollateral,
  previewWithdrawCollateral,
  readBorrowerBooks,
  readMarket,
  vaultRefusal,
  type BorrowerPreview,
  type Refusal,
} from "../../../src/frontend";
import { MockERC20__factory } from "../../../typechain-types";
import { buildRecord } from "../../../src/deploy/record";
import { deployLocalMarket } from "../../../scripts/lib/local-deployment";
import { decodeRevert, revertData } from "../../../app/src/errors";

const USDC = 10n ** 6n;
const WETH = 10n ** 18n;

/** Lender #1 supplies 1,000,000 USDC; borrower #2 posts 10 WETH and borrows 10,000 USDC (50 % at $2,000). */
const setup = deployments.createFixture(async () => {
  await deployments.fixture();
  const record = await buildRecord(hre);
  const signers = await ethers.getSigners();
  const market = LendingMarket__factory.connect(record.addresses.market, signers[0]);
  const usdc = MockERC20__factory.connect(record.addresses.debtToken, signers[0]);
  const weth = MockERC20__factory.connect(record.addresses.collateralToken, signers[0]);
  for (const s of signers.slice(1, 5)) {
    await (await usdc.mint(s, 2_000_000n * USDC)).wait();
    await (await weth.mint(s, 100n * WETH)).wait();
    await (await usdc.connect(s).approve(market, MaxUint256)).wait();
    await (await weth.connect(s).approve(market, MaxUint256)).wait();
  }
  await (await market.connect(signers[1]).deposit(1_000_000n * USDC, signers[1])).wait();
  await (await market.connect(signers[2]).supplyCollateral(signers[2], 10n * WETH)).wait();
  await (await market.connect(signers[2]).borrow(10_000n * USDC, signers[2])).wait();
  await hre.network.provider.request({ method: "evm_increaseTime", params: [3_000] }); // interest accrues
  await hre.network.provider.request({ method: "evm_mine", params: [] });
  return { record, signers, market };
});

/** What the market says to the call at `block`: null if it goes through, else its decoded custom error. */
async function outcome(call: Promise<unknown>): Promise<Refusal | null> {
  try {
    await call;
    return null;
  } catch (e) {
    const data = revertData(e);
    const decoded = data === undefined ? undefined : decodeRevert(data);
    if (decoded === undefined) throw e;
    return { name: decoded.name, args: decoded.args };
  }
}

describe("action previews (src/frontend/previews.ts) against the market, at one block", () => {
  async function at(market: Awaited<ReturnType<typeof setup>>["market"], account: Signer) {
    const block = await ethers.provider.getBlockNumber();
    const address = await account.getAddress();
    const snapshot = await readMarket(await market.getAddress(), ethers.provider, block);
    const books = await readBorrowerBooks(await market.getAddress(), address, ethers.provider, block);
    const m = market.connect(account);
    const opts = { blockTag: block };
    return { market, m, snapshot, books, opts, address };
  }
  const expectRefusal = (preview: BorrowerPreview, actual: Refusal | null, what: string) =>
    expect(preview.refusal, what).to.deep.equal(actual);

  it("borrow: LTV above max, dust and cash shortfalls refused with the market's error and arguments, else accepted", async () => {
    const { signers, market } = await setup();
    const { m, snapshot, books, opts } = await at(market, signers[2]);
    for (const assets of [1n, 4_000n * USDC, 5_001n * USDC, 2_000_000n * USDC, 0n]) {
      const preview = previewBorrow(snapshot, books, assets);
      expectRefusal(
        preview,
        await outcome(m.borrow.staticCall(assets, signers[2], opts)),
        `borrow ${assets}`,
      );
    }
    expect(previewBorrow(snapshot, books, 5_001n * USDC).refusal?.name).to.equal("MarketLtvTooHigh");
    // A new borrower below the minimum debt.
    const fresh = await at(market, signers[3]);
    await (await fresh.m.supplyCollateral(signers[3], 1n * WETH)).wait();
    const block = await ethers.provider.getBlockNumber();
    const snap = await readMarket(await fresh.m.getAddress(), ethers.provider, block);
    const b = await readBorrowerBooks(await fresh.m.getAddress(), fresh.address, ethers.provider, block);
    const p = previewBorrow(snap, b, 50n * USDC);
    expect(p.refusal?.name).to.equal("MarketDebtBelowMinimum");
    expectRefusal(
      p,
      await outcome(fresh.m.borrow.staticCall(50n * USDC, signers[3], { blockTag: block })),
      "dust",
    );
    // Accepted: the debt and LTV the position has after the borrow (mined at the next block, a second later).
    const ok = previewBorrow(snap, b, 1_000n * USDC);
    expect(ok.refusal).to.equal(null);
    // Debt rounds up twice (the normalised debt, then the debt): at most one unit over the amount.
    expect(ok.debt - 1_000n * USDC).to.be.oneOf([0n, 1n]);
    await (await fresh.m.borrow(1_000n * USDC, signers[3])).wait();
    // Mined a second after the preview's block: the debt is the preview's plus that second's interest.
    const debtAfter = await fresh.m.debtOf(signers[3]);
    expect(debtAfter >= ok.debt && debtAfter <= ok.debt + 10n, `${debtAfter} vs ${ok.debt}`).to.equal(true);
    // 1,000 USDC against 1 WETH at $2,000: 50 %, and the price may fall 37.5 % before 80 % (the soft zone).
    const near = (x: bigint, y: bigint) =>
      expect(x >= y - 10n ** 10n && x <= y + 10n ** 10n, `${x} ≈ ${y}`).to.equal(true);
    near(ok.ltvWad, 5n * 10n ** 17n);
    near(ok.softDistanceWad, 375n * 10n ** 15n);
  });

  it("withdrawCollateral, repay and supplyCollateral: the market's refusals, exactly", async () => {
    const { signers, market } = await setup();
    const { m, snapshot, books, opts, address } = await at(market, signers[2]);
    for (const amount of [0n, 1n * WETH, 3n * WETH, 11n * WETH]) {
      expectRefusal(
        previewWithdrawCollateral(snapshot, books, amount),
        await outcome(m.withdrawCollateral.staticCall(amount, signers[2], opts)),
        `withdraw ${amount}`,
      );
    }
    const debt = await m.debtOf(address, opts);
    for (const assets of [0n, 1n * USDC, debt - 50n * USDC, debt - 100n * USDC, debt, debt + 1n]) {
      const preview = previewRepay(snapshot, books, assets);
      expectRefusal(preview, await outcome(m.repay.staticCall(address, assets, opts)), `repay ${assets}`);
    }
    expect(previewRepay(snapshot, books, debt - 50n * USDC).refusal?.name).to.equal("MarketDebtBelowMinimum");
    expect(previewRepay(snapshot, books, debt + 1n).repaid).to.equal(
      await m.repay.staticCall(address, debt + 1n, opts),
    );
    const nobody = await readBorrowerBooks(
      await m.getAddress(),
      signers[4].address,
      ethers.provider,
      opts.blockTag,
    );
    expectRefusal(
      previewRepay(snapshot, nobody, 1n),
      await outcome(m.repay.staticCall(signers[4], 1n, opts)),
      "no debt",
    );
    expectRefusal(
      previewSupplyCollateral(snapshot, books, 0n),
      await outcome(m.supplyCollateral.staticCall(address, 0n, opts)),
      "zero",
    );
  });

  it("paused: borrow and withdrawal refused with EnforcedPause, deposits with ERC4626ExceededMaxDeposit", async () => {
    const { signers, market } = await setup();
    await (await market.connect(signers[0]).pause()).wait();
    const { m, snapshot, books, opts, address } = await at(market, signers[2]);
    expect(books.paused).to.equal(true);
    expectRefusal(
      previewBorrow(snapshot, books, 1n),
      await outcome(m.borrow.staticCall(1n, address, opts)),
      "b",
    );
    expectRefusal(
      previewWithdrawCollateral(snapshot, books, 1n),
      await outcome(m.withdrawCollateral.staticCall(1n, address, opts)),
      "w",
    );
    const max = await m.maxDeposit(address, opts);
    const refusal = vaultRefusal("deposit", address, 5n * USDC, max, await m.previewDeposit(5n * USDC, opts));
    expect(refusal).to.deep.equal(await outcome(m.deposit.staticCall(5n * USDC, address, opts)));
    expect(refusal?.name).to.equal("ERC4626ExceededMaxDeposit");
  });

  it("vault: withdraw and redeem above the max refused with the ERC-4626 errors, within it accepted", async () => {
    const { signers, market } = await setup();
    const { m, opts, address } = await at(market, signers[1]);
    const maxW = await m.maxWithdraw(address, opts);
    for (const assets of [maxW, maxW + 1n]) {
      expect(
        vaultRefusal("withdraw", address, assets, maxW, await m.previewWithdraw(assets, opts)),
      ).to.deep.equal(await outcome(m.withdraw.staticCall(assets, address, address, opts)));
    }
    const maxR = await m.maxRedeem(address, opts);
    for (const shares of [maxR, maxR + 1n]) {
      expect(
        vaultRefusal("redeem", address, shares, maxR, await m.previewRedeem(shares, opts)),
      ).to.deep.equal(await outcome(m.redeem.staticCall(shares, address, address, opts)));
    }
  });

  it("a stale oracle: borrowing is refused by the oracle itself (ORACLE_UNUSABLE)", async () => {
    const { signers, market } = await setup();
    await hre.network.provider.request({ method: "evm_increaseTime", params: [3_700] });
    await hre.network.provider.request({ method: "evm_mine", params: [] });
    const { m, snapshot, books, opts, address } = await at(market, signers[2]);
    expect(previewBorrow(snapshot, books, 1n * USDC).refusal).to.deep.equal({
      name: ORACLE_UNUSABLE,
      args: [],
    });
    expect((await outcome(m.borrow.staticCall(1n * USDC, address, opts)))?.name).to.equal("OracleStale");
  });

  it("an L2 sequencer in its grace period: borrowing and withdrawing refused with MarketOracleNotReady", async () => {
    const [deployer, borrower] = await ethers.getSigners();
    const local = await deployLocalMarket(deployer, { sequencerGracePeriodSeconds: 3_600 });
    const market = local.market.connect(borrower);
    await (await local.debtToken.mint(deployer, 1_000_000n * USDC)).wait();
    await (await local.debtToken.approve(local.market, MaxUint256)).wait();
    await (await local.market.deposit(1_000_000n * USDC, deployer)).wait();
    await (await local.collateralToken.mint(borrower, 10n * WETH)).wait();
    await (await local.collateralToken.connect(borrower).approve(market, MaxUint256)).wait();
    await (await market.supplyCollateral(borrower, 10n * WETH)).wait();
    await (await market.borrow(1_000n * USDC, borrower)).wait();
    // The sequencer has just come back up: the oracle still prices, in its grace period.
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    await (await local.sequencerFeed!.updateRoundData(2, 0, now, now)).wait();
    const { m, snapshot, books, opts, address } = await at(market, borrower);
    const refusal = previewBorrow(snapshot, books, 1n * USDC).refusal;
    expect(refusal).to.deep.equal({
      name: "MarketOracleNotReady",
      args: [{ name: "status", value: "SequencerGrace" }],
    });
    expect(refusal).to.deep.equal(await outcome(m.borrow.staticCall(1n * USDC, address, opts)));
    expectRefusal(
      previewWithdrawCollateral(snapshot, books, 1n * WETH),
      await outcome(m.withdrawCollateral.staticCall(1n * WETH, address, opts)),
      "withdraw in grace",
    );
  });
});
