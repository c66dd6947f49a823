import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, ContractTransactionReceipt, Result } from "ethers";
import { deployMarket } from "../../helpers/fixtures";
import {
  BlocklistERC20__factory,
  LiquidationUpkeep__factory,
  type LiquidationUpkeep,
} from "../../../typechain-types";

/** `StepStatus` in ILendingMarket.sol. */
const Status = { Ready: 0n, NoDebt: 1n, Healthy: 2n } as const;

const coder = ethers.AbiCoder.defaultAbiCoder();
const PERFORM_TYPES = ["address[]", "bool", "uint256"] as const;

/** `performData` as `checkUpkeep` encodes it. */
function encodePerform(accounts: string[], cursorMode: boolean, nextCursor: bigint): string {
  return coder.encode(PERFORM_TYPES, [accounts, cursorMode, nextCursor]);
}

function decodePerform(data: string): { accounts: string[]; cursorMode: boolean; nextCursor: bigint } {
  const [accounts, cursorMode, nextCursor] = coder.decode(PERFORM_TYPES, data);
  return {
    accounts: [...accounts] as string[],
    cursorMode: cursorMode as boolean,
    nextCursor: nextCursor as bigint,
  };
}

function encodeRange(start: bigint, count: bigint): string {
  return coder.encode(["uint256", "uint256"], [start, count]);
}

const RISKY_COUNT = 5;

/**
 * The default market with six borrowers, in registration order: five "risky" ones (10 WETH, 14,000 USDC: LTV 70 %
 * at $2,000) and a sixth, "safe" one (10 WETH, 5,000 USDC). `crash()` moves the price to $1,500, which puts the
 * risky ones in the hard zone (LTV 93.3 %, a step is allowed at once) and leaves the safe one healthy.
 */
async function upkeepFixture() {
  const f = await deployMarket();
  const signers = await ethers.getSigners();
  const risky = signers.slice(10, 10 + RISKY_COUNT);
  const safe = signers[10 + RISKY_COUNT];
  for (const [i, b] of [...risky, safe].entries()) {
    await f.weth.mint(b.address, 10n * f.collateralUnit);
    await f.weth.connect(b).approve(f.market, ethers.MaxUint256);
    await f.market.connect(b).supplyCollateral(b.address, 10n * f.collateralUnit);
    await f.market.connect(b).borrow((i < RISKY_COUNT ? 14_000n : 5_000n) * f.debtUnit, b.address);
  }
  const borrowers = [...risky, safe].map((s) => s.address);
  const owner = f.admin;

  /** An upkeep owned by `owner`, funded with `float` USDC (base units). */
  async function deployUpkeep(maxScan: bigint, maxSteps: bigint, float = 1_000_000n * f.debtUnit) {
    const upkeep = await new LiquidationUpkeep__factory(f.deployer).deploy(
      f.market,
      owner,
      maxScan,
      maxSteps,
    );
    if (float > 0n) await f.usdc.mint(upkeep, float);
    return upkeep;
  }
  const crash = () => f.setAnswer(1_500n * 10n ** 8n);
  const upkeep = await deployUpkeep(10n, 10n);
  return { ...f, borrowers, risky, safe, owner, deployUpkeep, crash, upkeep };
}

type Fixture = Awaited<ReturnType<typeof upkeepFixture>>;

/** A funded upkeep on a market nobody has borrowed from. */
async function emptyMarketFixture() {
  const f = await deployMarket();
  const upkeep = await new LiquidationUpkeep__factory(f.deployer).deploy(f.market, f.admin, 10n, 10n);
  await f.usdc.mint(upkeep, 1_000n * f.debtUnit);
  return upkeep;
}

/** `checkUpkeep` as the automation network simulates it, decoded (empty performData: no accounts). */
async function check(upkeep: LiquidationUpkeep, checkData = "0x") {
  const [needed, performData] = await upkeep.checkUpkeep(checkData);
  const decoded =
    performData === "0x" ? { accounts: [], cursorMode: false, nextCursor: 0n } : decodePerform(performData);
  return { needed, performData, ...decoded };
}

/** The arguments of every `name` event `contract` emitted in `receipt`, in log order. */
function eventArgs(
  receipt: ContractTransactionReceipt | null,
  contract: BaseContract,
  name: string,
): Result[] {
  const out: Result[] = [];
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== (contract.target as string).toLowerCase()) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed.args);
  }
  return out;
}

/** Puts BlocklistERC20's code at the fixture's WETH address (balances kept) and blocks `account`. */
async function blockCollateralTransfersTo(f: Fixture, account: string) {
  const template = await new BlocklistERC20__factory(f.deployer).deploy("Template", "T", 18);
  const weth = await f.weth.getAddress();
  await network.provider.send("hardhat_setCode", [weth, await ethers.provider.getCode(template)]);
  const blocklist = BlocklistERC20__factory.connect(weth, f.deployer);
  await blocklist.setBlocked(account, true);
  return blocklist;
}

/** Expected cursor-mode window start for a check run in the latest block. */
async function expectedStart(cursor: bigint, total: bigint, maxScan: bigint): Promise<bigint> {
  const count = total < maxScan ? total : maxScan;
  const pages = (total + count - 1n) / count;
  const blockNumber = BigInt(await ethers.provider.getBlockNumber());
  return (cursor + (blockNumber % pages) * count) % total;
}

describe("LiquidationUpkeep", () => {
  describe("constructor", () => {
    it("stores the market, its tokens and the bounds, and approves the market for the float", async () => {
      const { upkeep, market, usdc, weth, owner } = await loadFixture(upkeepFixture);
      expect(await upkeep.market()).to.equal(await market.getAddress());
      expect(await upkeep.debtToken()).to.equal(await usdc.getAddress());
      expect(await upkeep.collateralToken()).to.equal(await weth.getAddress());
      expect(await upkeep.maxScan()).to.equal(10n);
      expect(await upkeep.maxSteps()).to.equal(10n);
      expect(await upkeep.owner()).to.equal(owner.address);
      expect(await upkeep.cursor()).to.equal(0n);
      expect(await usdc.allowance(upkeep, market)).to.equal(ethers.MaxUint256);
    });

    it("reverts with UpkeepZeroAddress when the market is the zero address", async () => {
      const { deployer, owner } = await loadFixture(upkeepFixture);
      const factory = new LiquidationUpkeep__factory(deployer);
      await expect(factory.deploy(ethers.ZeroAddress, owner, 10n, 10n)).to.be.revertedWithCustomError(
        factory,
        "UpkeepZeroAddress",
      );
    });

    it("reverts with UpkeepInvalidConfig when maxScan or maxSteps is zero", async () => {
      const { deployer, owner, market } = await loadFixture(upkeepFixture);
      const factory = new LiquidationUpkeep__factory(deployer);
      await expect(factory.deploy(market, owner, 0n, 10n)).to.be.revertedWithCustomError(
        factory,
        "UpkeepInvalidConfig",
      );
      await expect(factory.deploy(market, owner, 10n, 0n)).to.be.revertedWithCustomError(
        factory,
        "UpkeepInvalidConfig",
      );
    });
  });

  describe("checkUpkeep", () => {
    it("returns false and empty performData on a market without borrowers, in both modes", async () => {
      const upkeep = await loadFixture(emptyMarketFixture);
      expect(await upkeep.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
      expect(await upkeep.checkUpkeep(encodeRange(0n, 10n))).to.deep.equal([false, "0x"]);
    });

    it("returns false with an empty account list while every position is healthy", async () => {
      const { upkeep } = await loadFixture(upkeepFixture);
      const r = await check(upkeep);
      expect(r.needed).to.equal(false);
      expect(r.accounts).to.deep.equal([]);
      expect(r.cursorMode).to.equal(true);
      // Single page (6 borrowers, maxScan 10): the whole list was examined, the cursor wraps to where it was.
      expect(r.nextCursor).to.equal(0n);
    });

    it("returns every ready account of a single-page window, in list order", async () => {
      const { upkeep, crash, borrowers } = await loadFixture(upkeepFixture);
      await crash();
      const r = await check(upkeep);
      expect(r.needed).to.equal(true);
      expect(r.accounts).to.deep.equal(borrowers.slice(0, RISKY_COUNT));
      expect(r.nextCursor).to.equal(0n);
    });

    it("returns false when the upkeep holds no debt tokens, even with ready accounts", async () => {
      const { deployUpkeep, crash } = await loadFixture(upkeepFixture);
      const unfunded = await deployUpkeep(10n, 10n, 0n);
      await crash();
      const r = await check(unfunded);
      expect(r.needed).to.equal(false);
      expect(r.accounts).to.deep.equal([]);
    });

    it("scans maxScan accounts from a start that rotates with the block number, wrapping past the end", async () => {
      const { deployUpkeep, crash, borrowers } = await loadFixture(upkeepFixture);
      // 6 borrowers, maxScan 4: two pages; the window starts at 0 or at 4 (then wraps: 4, 5, 0, 1).
      const upkeep = await deployUpkeep(4n, 10n);
      await crash();
      const seen = new Set<bigint>();
      for (let round = 0; round < 2; round++) {
        const start = await expectedStart(0n, 6n, 4n);
        seen.add(start);
        const window = [0, 1, 2, 3].map((k) => borrowers[(Number(start) + k) % 6]);
        const r = await check(upkeep);
        // The safe borrower (index 5) is healthy: everything else in the window is returned.
        expect(r.accounts).to.deep.equal(window.filter((a) => a !== borrowers[5]));
        expect(r.nextCursor).to.equal((start + 4n) % 6n);
        await mine(1);
      }
      expect([...seen].sort()).to.deep.equal([0n, 4n]);
    });

    it("stops at maxSteps and sets nextCursor just past the last account returned", async () => {
      const { deployUpkeep, crash, borrowers } = await loadFixture(upkeepFixture);
      const upkeep = await deployUpkeep(10n, 2n);
      await crash();
      const r = await check(upkeep);
      expect(r.accounts).to.deep.equal(borrowers.slice(0, 2));
      expect(r.nextCursor).to.equal(2n);
    });

    it("scans only the fixed range of checkData, clipped to the list and to maxScan, in range mode", async () => {
      const { deployUpkeep, crash, borrowers } = await loadFixture(upkeepFixture);
      const upkeep = await deployUpkeep(2n, 10n);
      await crash();
      let r = await check(upkeep, encodeRange(1n, 2n));
      expect(r.accounts).to.deep.equal(borrowers.slice(1, 3));
      expect(r.cursorMode).to.equal(false);
      // count 10 is clipped to maxScan (2).
      r = await check(upkeep, encodeRange(2n, 10n));
      expect(r.accounts).to.deep.equal(borrowers.slice(2, 4));
      // count clipped to the list's end (index 5), which holds only the healthy borrower.
      r = await check(upkeep, encodeRange(5n, 2n));
      expect(r.needed).to.equal(false);
      expect(r.accounts).to.deep.equal([]);
      // A range that starts past the end: nothing to do.
      expect(await upkeep.checkUpkeep(encodeRange(6n, 1n))).to.deep.equal([false, "0x"]);
    });

    it("does not rotate a fixed range with the block number", async () => {
      const { deployUpkeep, crash, borrowers } = await loadFixture(upkeepFixture);
      const upkeep = await deployUpkeep(2n, 10n);
      await crash();
      for (let round = 0; round < 3; round++) {
        expect((await check(upkeep, encodeRange(0n, 2n))).accounts).to.deep.equal(borrowers.slice(0, 2));
        await mine(1);
      }
    });
  });

  describe("performUpkeep", () => {
    it("runs each step with the float as maxRepay and emits UpkeepStepPerformed with the step's exact amounts", async () => {
      const { upkeep, crash, borrowers, market, usdc, weth, other } = await loadFixture(upkeepFixture);
      await crash();
      const { performData, accounts } = await check(upkeep);
      const float = await usdc.balanceOf(upkeep);
      // What the two first steps will do, in the block that runs them: preview the pending block at its time.
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const preview = await market.previewLiquidationStep(accounts[0], float, { blockTag: "pending" });
      expect(preview.status).to.equal(Status.Ready);

      const tx = upkeep.connect(other).performUpkeep(performData);
      await expect(tx)
        .to.emit(upkeep, "UpkeepStepPerformed")
        .withArgs(borrowers[0], preview.repaid, preview.seized);
      const receipt = await (await tx).wait();
      const performed = eventArgs(receipt, upkeep, "UpkeepStepPerformed");
      const stepped = eventArgs(receipt, market, "LiquidationStepped");
      expect(performed.map((a) => a.account)).to.deep.equal(borrowers.slice(0, RISKY_COUNT));
      expect(stepped).to.have.length(RISKY_COUNT);

      // Each UpkeepStepPerformed repeats its market step; the upkeep paid repaid - tip for each and holds the
      // collateral.
      let seized = 0n;
      let paid = 0n;
      for (const [i, s] of stepped.entries()) {
        expect(s.keeper).to.equal(await upkeep.getAddress());
        expect([performed[i].repaid, performed[i].seized]).to.deep.equal([s.repaid, s.seized]);
        seized += s.seized as bigint;
        paid += (s.repaid as bigint) - (s.tip as bigint);
      }
      for (const b of borrowers.slice(0, RISKY_COUNT)) expect(await market.debtOf(b)).to.equal(0n);
      expect(await weth.balanceOf(upkeep)).to.equal(seized);
      expect(await usdc.balanceOf(upkeep)).to.equal(float - paid);
    });

    it("skips, with the step's status, accounts that are healthy, without debt, or already closed", async () => {
      const { upkeep, crash, borrowers, market, other } = await loadFixture(upkeepFixture);
      await crash();
      const data = encodePerform([borrowers[5], other.address, borrowers[0], borrowers[0]], false, 0n);
      const receipt = await (await upkeep.performUpkeep(data)).wait();
      // The second entry for borrowers[0] finds the position closed by the first.
      expect(eventArgs(receipt, upkeep, "UpkeepStepSkipped").map((a) => [a.account, a.status])).to.deep.equal(
        [
          [borrowers[5], Status.Healthy],
          [other.address, Status.NoDebt],
          [borrowers[0], Status.NoDebt],
        ],
      );
      expect(eventArgs(receipt, upkeep, "UpkeepStepPerformed").map((a) => a.account)).to.deep.equal([
        borrowers[0],
      ]);
      expect(await market.debtOf(borrowers[0])).to.equal(0n);
    });

    it("skips every account, running no step, when the float is empty", async () => {
      const { deployUpkeep, crash, borrowers, market } = await loadFixture(upkeepFixture);
      const unfunded = await deployUpkeep(10n, 10n, 0n);
      await crash();
      const debtBefore = await market.debtOf(borrowers[0]);
      const receipt = await (await unfunded.performUpkeep(encodePerform([borrowers[0]], false, 0n))).wait();
      // The market would allow the step, so the event reports `Ready`: only the missing float stops it.
      expect(
        eventArgs(receipt, unfunded, "UpkeepStepSkipped").map((a) => [a.account, a.status]),
      ).to.deep.equal([[borrowers[0], Status.Ready]]);
      expect(eventArgs(receipt, unfunded, "UpkeepStepPerformed")).to.deep.equal([]);
      expect(await market.debtOf(borrowers[0])).to.be.greaterThanOrEqual(debtBefore);
    });

    it("catches a reverting step, emits UpkeepStepFailed with its revert data, and goes on", async () => {
      const f = await loadFixture(upkeepFixture);
      const { upkeep, crash, borrowers, market } = f;
      await crash();
      // The collateral token starts refusing transfers to the upkeep (like a stablecoin blocklist).
      const blocklist = await blockCollateralTransfersTo(f, await upkeep.getAddress());
      const reason = blocklist.interface.encodeErrorResult("BlocklistERC20Blocked", [
        await upkeep.getAddress(),
      ]);

      const { performData } = await check(upkeep);
      const debtsBefore = await Promise.all(borrowers.map((b) => market.debtOf(b)));
      const receipt = await (await upkeep.performUpkeep(performData)).wait();
      expect(eventArgs(receipt, upkeep, "UpkeepStepFailed").map((a) => [a.account, a.reason])).to.deep.equal(
        borrowers.slice(0, RISKY_COUNT).map((b) => [b, reason]),
      );
      for (const [i, b] of borrowers.entries()) {
        expect(await market.debtOf(b)).to.be.greaterThanOrEqual(debtsBefore[i]);
      }

      // Unblocked, the next perform runs the steps.
      await blocklist.setBlocked(upkeep, false);
      await expect(upkeep.performUpkeep((await check(upkeep)).performData)).to.emit(
        upkeep,
        "UpkeepStepPerformed",
      );
      expect(await market.debtOf(borrowers[0])).to.equal(0n);
    });

    it("moves the cursor to nextCursor and emits CursorMoved in cursor mode, and not in range mode", async () => {
      const { deployUpkeep, crash, borrowers } = await loadFixture(upkeepFixture);
      const upkeep = await deployUpkeep(10n, 2n);
      await crash();
      await expect(upkeep.performUpkeep(encodePerform([borrowers[0]], false, 3n))).not.to.emit(
        upkeep,
        "CursorMoved",
      );
      expect(await upkeep.cursor()).to.equal(0n);
      await expect(upkeep.performUpkeep(encodePerform([borrowers[1]], true, 3n)))
        .to.emit(upkeep, "CursorMoved")
        .withArgs(3n);
      expect(await upkeep.cursor()).to.equal(3n);
      // Same cursor: no event.
      await expect(upkeep.performUpkeep(encodePerform([], true, 3n))).not.to.emit(upkeep, "CursorMoved");
    });

    it("continues after the last account returned, so accounts whose steps keep failing do not starve the rest", async () => {
      const f = await loadFixture(upkeepFixture);
      const { deployUpkeep, crash, borrowers } = f;
      const upkeep = await deployUpkeep(10n, 2n);
      await crash();
      await blockCollateralTransfersTo(f, await upkeep.getAddress());
      let r = await check(upkeep);
      expect(r.accounts).to.deep.equal(borrowers.slice(0, 2));
      await expect(upkeep.performUpkeep(r.performData)).to.emit(upkeep, "CursorMoved").withArgs(2n);
      // Accounts 0 and 1 are still ready (their steps failed), yet the next check moves on to 2 and 3.
      r = await check(upkeep);
      expect(r.accounts).to.deep.equal(borrowers.slice(2, 4));
      await expect(upkeep.performUpkeep(r.performData)).to.emit(upkeep, "CursorMoved").withArgs(4n);
      // Then 4, and past the healthy 5, the scan wraps to 0.
      r = await check(upkeep);
      expect(r.accounts).to.deep.equal([borrowers[4], borrowers[0]]);
      expect(r.nextCursor).to.equal(1n);
    });

    it("lets anyone perform and keeps the proceeds in the upkeep", async () => {
      const { upkeep, crash, weth, other } = await loadFixture(upkeepFixture);
      await crash();
      const wethBefore = await weth.balanceOf(other.address);
      await expect(upkeep.connect(other).performUpkeep((await check(upkeep)).performData)).to.emit(
        upkeep,
        "UpkeepStepPerformed",
      );
      expect(await weth.balanceOf(other.address)).to.equal(wethBefore);
      expect(await weth.balanceOf(upkeep)).to.be.greaterThan(0n);
    });

    it("reaches every ready account of a multi-page list as the window rotates and the cursor moves", async () => {
      const { deployUpkeep, crash, borrowers, market } = await loadFixture(upkeepFixture);
      const upkeep = await deployUpkeep(2n, 2n);
      await crash();
      for (let round = 0; round < 9; round++) {
        const r = await check(upkeep);
        if (r.needed) await upkeep.performUpkeep(r.performData);
        else await mine(1);
      }
      for (const b of borrowers.slice(0, RISKY_COUNT)) expect(await market.debtOf(b)).to.equal(0n);
      for (let round = 0; round < 3; round++) {
        expect((await check(upkeep)).needed).to.equal(false);
        await mine(1);
      }
    });
  });

  describe("withdraw", () => {
    async function afterSteps(f: Fixture) {
      await f.crash();
      await f.upkeep.performUpkeep((await check(f.upkeep)).performData);
    }

    it("lets the owner withdraw earned collateral and the float, emitting FundsWithdrawn", async () => {
      const f = await loadFixture(upkeepFixture);
      await afterSteps(f);
      const { upkeep, weth, usdc, owner } = f;
      const collateral = await weth.balanceOf(upkeep);
      await expect(upkeep.connect(owner).withdraw(weth, owner.address, collateral))
        .to.emit(upkeep, "FundsWithdrawn")
        .withArgs(await weth.getAddress(), owner.address, collateral);
      expect(await weth.balanceOf(owner.address)).to.equal(collateral);
      const float = await usdc.balanceOf(upkeep);
      await expect(upkeep.connect(owner).withdraw(usdc, owner.address, float)).to.changeTokenBalances(
        usdc,
        [upkeep, owner],
        [-float, float],
      );
    });

    it("reverts with OwnableUnauthorizedAccount for anyone but the owner", async () => {
      const { upkeep, usdc, other } = await loadFixture(upkeepFixture);
      await expect(upkeep.connect(other).withdraw(usdc, other.address, 1n))
        .to.be.revertedWithCustomError(upkeep, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("reverts with UpkeepZeroAddress when sending to the zero address", async () => {
      const { upkeep, usdc, owner } = await loadFixture(upkeepFixture);
      await expect(
        upkeep.connect(owner).withdraw(usdc, ethers.ZeroAddress, 1n),
      ).to.be.revertedWithCustomError(upkeep, "UpkeepZeroAddress");
    });
  });
});
