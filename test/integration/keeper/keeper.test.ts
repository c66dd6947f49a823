/**
 * The keeper bot against a real `hardhat node` (a child process on a free loopback port): markets deployed
 * through scripts/lib/local-deployment.ts, positions opened in batches, the mock Chainlink price moved, and the
 * bot running in this process against the node's URL. The node is stopped in `after`, whatever happens.
 */
import { expect } from "chai";
import { MaxUint256 } from "ethers";
import { LendingMarket__factory, PairFlashKeeper__factory } from "../../../typechain-types";
import { StepStatus, Zone } from "../../../src/sdk/types";
import { deployUniswapV2Pair } from "../../../src/sim/uniswap-v2";
import {
  account,
  ladder,
  minedTransactions,
  NodeEnv,
  readyAccounts,
  statuses,
  stepEvents,
  waitFor,
} from "./harness";

const MARKET = LendingMarket__factory.createInterface();
const STEP_SELECTOR = MARKET.getFunction("liquidationStep")!.selector;

describe("keeper bot against a hardhat node [uninstrumented]", function () {
  this.timeout(60_000);
  const env = new NodeEnv();

  before(async () => {
    await env.start();
  });

  after(async () => {
    await env.stop();
  });

  it("takes every allowed step, respects spacing and the pace cap, and never sends a step twice", async () => {
    const cap = 60_000n;
    const d = await env.deploy({
      params: { confirmDelaySeconds: 0, maxSoftSeizePerWindow: cap * 10n ** 6n, paceWindowSeconds: 604_800 },
    });
    // Ten positions of 10 WETH borrowing 13,800 … 14,700 USDC (69–73.5 % LTV at $2,000).
    const accounts = await env.positions(d, ladder(d, 10, 10n, 13_800n, 100n));
    const keeper = account(1);
    await (await d.debtToken.connect(env.deployer).mint(keeper.address, 1_000_000n * d.debtUnit)).wait();
    const startBlock = await env.blockNumber();
    const { bot, logs } = await env.startBot(d, keeper);
    await env.idle(bot);

    /**
     * After each round, eventually: the bot is idle on the latest block, and every position still ready there was
     * judged unprofitable by the bot in that block (a trickle of pace room reopens every block).
     */
    const everyAllowedStepTaken = async () => {
      let missed: string[] = [];
      await waitFor(async () => {
        await env.idle(bot);
        const block = await env.blockNumber();
        const skippedNow = new Set(
          logs()
            .filter((l) => l.msg === "step.skipped" && l.block === block && l.reason === "unprofitable")
            .map((l) => l.account),
        );
        missed = (await readyAccounts(d, accounts)).filter((a) => !skippedNow.has(a));
        return missed.length === 0;
      }, "every allowed step").catch((err: Error) => {
        throw new Error(`${err.message}; still ready: ${missed.join(", ")}`);
      });
    };

    // Round 1, $1,700: all ten in the soft zone (81–86.5 %); 60,000 of pace room fits one step on each.
    await env.setPrice(d, 1_700n);
    await everyAllowedStepTaken();
    expect(new Set((await stepEvents(d, env.provider)).map((s) => s.account)).size).to.equal(10);

    // Round 2, $1,600 at once: soft again, but spacing forbids a second step yet.
    await env.setPrice(d, 1_600n);
    await everyAllowedStepTaken();
    expect((await statuses(d, accounts)).filter((s) => s === StepStatus.TooSoon).length).to.be.greaterThan(0);
    const stepsBefore = (await stepEvents(d, env.provider)).length;
    expect(stepsBefore).to.equal(10);

    // Round 3, 400 s later (spacing is 600 s / m, m = 2 after these moves): second steps until the pace cap binds.
    await env.advance(d, 400, 1_600n);
    await everyAllowedStepTaken();
    expect(
      (await statuses(d, accounts)).filter((s) => s === StepStatus.PaceCapReached).length,
    ).to.be.greaterThan(0);

    // Round 4, $1,100: the hard zone ignores pace and spacing; every position is closed at once.
    await env.setPrice(d, 1_100n);
    await everyAllowedStepTaken();
    for (const a of accounts) expect(await d.market.debtOf(a)).to.equal(0n);

    // Spacing: each soft step ran no earlier than the position's next-step time just before it; pace: the bucket
    // never held more than its cap.
    const steps = await stepEvents(d, env.provider);
    for (const s of steps.filter((x) => x.zone === Zone.Soft)) {
      const [before] = await d.lens.positionStates(d.market, [s.account], { blockTag: s.block - 1 });
      expect(BigInt(s.timestamp)).to.be.greaterThanOrEqual(before.nextSoftStepAt);
      const pace = await d.market.priceState({ blockTag: s.block });
      expect(pace.paceUsed).to.be.lessThanOrEqual(cap * 10n ** 6n);
    }
    const secondSoft = steps.filter((x) => x.zone === Zone.Soft).length - 10;
    expect(secondSoft).to.be.greaterThan(0);

    // No duplicates and no failures: one successful transaction per step, one step per transaction.
    const txs = (await minedTransactions(env.provider, keeper.address, startBlock)).filter((t) =>
      t.data.startsWith(STEP_SELECTOR),
    );
    expect(txs.every((t) => t.status === 1)).to.equal(true);
    expect(txs.map((t) => t.hash).sort()).to.deep.equal(steps.map((s) => s.txHash).sort());
    expect(new Set(steps.map((s) => `${s.account}@${s.block}`)).size).to.equal(steps.length);
    expect(steps.every((s) => s.keeper === keeper.address)).to.equal(true);
    expect(bot.metrics.get("keeper_steps_sent_total")).to.equal(steps.length);
    expect(bot.metrics.get("keeper_steps_succeeded_total")).to.equal(steps.length);
    expect(bot.metrics.total("keeper_steps_failed_total")).to.equal(0);
    expect(bot.metrics.get("keeper_positions_watched", { market: d.addresses.market })).to.equal(10);
  });

  it("skips steps that do not pay for their gas, and takes hard-zone ones anyway when told to", async () => {
    const d = await env.deploy({ params: { confirmDelaySeconds: 0 } });
    const [big, small] = await env.positions(d, [
      { collateral: 10n * d.collateralUnit, debt: 14_500n * d.debtUnit },
      { collateral: 1n * d.collateralUnit, debt: 1_400n * d.debtUnit },
    ]);
    const keeper = account(2);
    await (await d.debtToken.connect(env.deployer).mint(keeper.address, 1_000_000n * d.debtUnit)).wait();
    // 100 USDC minimum: the big soft step earns ~160 USDC, the small one ~7.
    const { bot, logs } = await env.startBot(d, keeper, { KEEPER_MIN_PROFIT: String(100n * d.debtUnit) });
    await env.idle(bot);

    await env.setPrice(d, 1_700n);
    await env.idle(bot);
    await waitFor(
      () => logs().some((l) => l.msg === "step.skipped" && l.account === small),
      "the small step's skip",
    );
    const smallSkip = logs().find((l) => l.msg === "step.skipped" && l.account === small)!;
    expect(smallSkip.reason).to.equal("unprofitable");
    expect(BigInt((smallSkip.profit as { net: string }).net)).to.be.lessThan(100n * d.debtUnit);
    expect(bot.metrics.get("keeper_steps_skipped_total", { reason: "unprofitable" })).to.be.greaterThan(0);
    let steps = await stepEvents(d, env.provider);
    expect(steps.map((s) => s.account)).to.deep.equal([big]);
    expect((await readyAccounts(d, [small])).length).to.equal(1);

    // $1,300: the small position is past the hard threshold with too little collateral to cover its debt plus the
    // hard-zone floor; its step (which books bad debt) earns ~25 USDC but is taken anyway.
    await env.setPrice(d, 1_300n);
    await env.idle(bot);
    await waitFor(async () => (await d.market.debtOf(small)) === 0n, "the small position to be closed");
    steps = await stepEvents(d, env.provider);
    expect(steps.find((s) => s.account === small)!.zone).to.equal(Zone.Hard);
    const sent = logs().find((l) => l.msg === "tx.sent" && l.account === small)!;
    expect(sent.forced).to.equal(true);
  });

  it("funds a step through the flash keeper when it holds no debt tokens", async () => {
    const d = await env.deploy({ params: { confirmDelaySeconds: 0 } });
    const [borrower] = await env.positions(d, [
      { collateral: 10n * d.collateralUnit, debt: 14_500n * d.debtUnit },
    ]);
    // A Uniswap V2 pair (@uniswap/v2-core's artifacts) holding 1,000 WETH and 1,550,000 USDC ($1,550), and the
    // production flash keeper.
    const v2 = await deployUniswapV2Pair(env.deployer, d.collateralToken, d.debtToken);
    const pair = v2.pair;
    await (
      await d.collateralToken.connect(env.deployer).mint(await pair.getAddress(), 1_000n * d.collateralUnit)
    ).wait();
    await (
      await d.debtToken.connect(env.deployer).mint(await pair.getAddress(), 1_550_000n * d.debtUnit)
    ).wait();
    await (await v2.contract.getFunction("sync")()).wait();
    const flash = await new PairFlashKeeper__factory(env.deployer).deploy(
      d.market,
      pair,
      await env.deployer.getAddress(),
    );
    await flash.waitForDeployment();
    const keeper = account(3);
    const { bot, logs } = await env.startBot(d, keeper, {
      KEEPER_MARKET_SETTINGS: JSON.stringify({
        [d.addresses.market]: { flashKeeper: await flash.getAddress() },
      }),
    });
    await env.idle(bot);

    await env.setPrice(d, 1_550n); // LTV 93.5 %: hard zone
    await waitFor(async () => (await d.market.debtOf(borrower)) === 0n, "the flash step");
    const [step] = await stepEvents(d, env.provider);
    expect(step.keeper).to.equal(await flash.getAddress());
    const [flashStep] = await flash.queryFilter(flash.filters.FlashStep());
    expect(flashStep.args.account).to.equal(borrower);
    expect(flashStep.args.repaid).to.equal(step.repaid);
    expect(flashStep.args.seized).to.equal(step.seized);
    // What the sale brought in beyond the repayment stayed in the flash keeper.
    expect(await d.debtToken.balanceOf(flash)).to.equal(flashStep.args.profit);
    expect(flashStep.args.profit).to.be.greaterThan(0n);
    expect(await d.debtToken.balanceOf(keeper.address)).to.equal(0n);
    expect(logs().find((l) => l.msg === "tx.sent" && l.account === borrower)!.mode).to.equal("flash");
  });

  it("replaces a stuck step at the same nonce with higher fees, and the replacement is mined once", async () => {
    const d = await env.deploy({ params: { confirmDelaySeconds: 0 } });
    const [borrower] = await env.positions(d, [
      { collateral: 10n * d.collateralUnit, debt: 14_500n * d.debtUnit },
    ]);
    const keeper = env.signer(4);
    const keeperAddress = await keeper.getAddress();
    await (await d.debtToken.connect(env.deployer).mint(keeperAddress, 1_000_000n * d.debtUnit)).wait();
    await (await d.debtToken.connect(keeper).approve(d.market, MaxUint256)).wait();
    const { bot, logs } = await env.startBot(d, account(4), {
      KEEPER_STUCK_AFTER_MS: "600",
      KEEPER_STUCK_AFTER_BLOCKS: "0",
    });
    await env.idle(bot);

    await env.provider.send("evm_setAutomine", [false]);
    try {
      await d.feed.connect(env.deployer).updateAnswer(1_500n * 10n ** 8n);
      await env.provider.send("evm_mine", []);
      await waitFor(
        () => bot.metrics.get("keeper_transactions_replaced_total") >= 1,
        "a replacement",
        10_000,
      );
      await env.provider.send("evm_mine", []);
    } finally {
      await env.provider.send("evm_setAutomine", [true]);
    }
    await waitFor(async () => (await d.market.debtOf(borrower)) === 0n, "the step");
    await env.idle(bot);

    const sent = logs().filter((l) => l.msg === "tx.sent" && l.account === borrower);
    const replaced = logs().filter((l) => l.msg === "tx.replaced" && l.key === sent[0].key);
    expect(sent).to.have.length(1);
    expect(replaced.length).to.be.greaterThan(0);
    expect(replaced.every((r) => r.nonce === sent[0].nonce)).to.equal(true);
    const steps = await stepEvents(d, env.provider);
    expect(steps).to.have.length(1);
    const mined = await env.provider.getTransaction(steps[0].txHash);
    expect(mined!.hash).to.equal(replaced[replaced.length - 1].hash);
    expect(mined!.nonce).to.equal(sent[0].nonce);
    expect(mined!.maxPriorityFeePerGas!).to.be.greaterThan(BigInt(sent[0].maxPriorityFeePerGas as string));
    // The bot books the receipt in the pass that sees its block: wait for that pass, then check it was booked as
    // one success and no failure (the message carries the bot's transaction log if not).
    const txLog = () => JSON.stringify(logs().filter((l) => /^(tx|step)\./.test(String(l.msg))));
    await waitFor(
      () => bot.metrics.get("keeper_steps_succeeded_total") >= 1,
      "the step booked as mined",
    ).catch(() => undefined);
    expect(bot.metrics.get("keeper_steps_succeeded_total"), txLog()).to.equal(1);
    expect(bot.metrics.total("keeper_steps_failed_total"), txLog()).to.equal(0);
  });

  it("logs the decoded reason of a step that reverts on chain, and moves on", async () => {
    const d = await env.deploy({ params: { confirmDelaySeconds: 0 } });
    const [first, second] = await env.positions(d, [
      { collateral: 10n * d.collateralUnit, debt: 14_500n * d.debtUnit }, // hard below ~$1,611
      { collateral: 10n * d.collateralUnit, debt: 12_000n * d.debtUnit }, // hard below ~$1,333
    ]);
    const keeper = env.signer(7);
    const rival = env.signer(8);
    for (const s of [keeper, rival]) {
      await (
        await d.debtToken.connect(env.deployer).mint(await s.getAddress(), 1_000_000n * d.debtUnit)
      ).wait();
      await (await d.debtToken.connect(s).approve(d.market, MaxUint256)).wait();
    }
    const { bot, logs } = await env.startBot(d, account(7), { KEEPER_STUCK_AFTER_MS: "60000" });
    await env.idle(bot);

    await env.provider.send("evm_setAutomine", [false]);
    try {
      await d.feed.connect(env.deployer).updateAnswer(1_500n * 10n ** 8n);
      await env.provider.send("evm_mine", []);
      await waitFor(
        () => logs().some((l) => l.msg === "tx.sent" && l.account === first),
        "the keeper's step",
      );
      // A rival keeper pays a higher tip for the same step: mined first in the same block, it closes the position.
      await d.market.connect(rival).liquidationStep(first, MaxUint256, 0n, "0x", {
        gasLimit: 500_000n,
        maxPriorityFeePerGas: 50n * 10n ** 9n,
        maxFeePerGas: 100n * 10n ** 9n,
      });
      await env.provider.send("evm_mine", []);
    } finally {
      await env.provider.send("evm_setAutomine", [true]);
    }
    await waitFor(() => logs().some((l) => l.msg === "step.reverted"), "the revert to be reported");
    const reverted = logs().find((l) => l.msg === "step.reverted")!;
    expect(reverted.reason).to.equal("MarketStepNotAllowed(1, 0)"); // StepStatus.NoDebt
    expect(bot.metrics.get("keeper_steps_failed_total", { stage: "reverted" })).to.equal(1);
    const [rivalStep] = await stepEvents(d, env.provider);
    expect(rivalStep.keeper).to.equal(await rival.getAddress());

    // The bot goes on with the next position that becomes liquidatable.
    await env.setPrice(d, 1_300n);
    await waitFor(async () => (await d.market.debtOf(second)) === 0n, "the next step");
    expect((await stepEvents(d, env.provider)).find((s) => s.account === second)!.keeper).to.equal(
      await keeper.getAddress(),
    );
  });

  it("in dry-run mode logs the steps it would send, sends nothing, and serves metrics", async () => {
    const d = await env.deploy({ params: { confirmDelaySeconds: 0 } });
    const accounts = await env.positions(d, ladder(d, 3, 10n, 14_000n, 200n));
    const { bot, logs } = await env.startBot(d, undefined, {
      KEEPER_DRY_RUN: "true",
      KEEPER_EVALUATION: "full",
    });
    await env.idle(bot);
    await env.setPrice(d, 1_500n);
    await waitFor(() => logs().filter((l) => l.msg === "step.dry-run").length >= 3, "three dry-run steps");

    const planned = logs().filter((l) => l.msg === "step.dry-run");
    const decoded = planned.map((l) => MARKET.decodeFunctionData("liquidationStep", l.data as string));
    expect(decoded.map((args) => args[0]).sort()).to.deep.equal([...accounts].sort());
    expect(await stepEvents(d, env.provider)).to.deep.equal([]);
    for (const a of accounts) expect(await d.market.debtOf(a)).to.be.greaterThan(0n);

    const text = await (await fetch(`http://127.0.0.1:${bot.metricsPort}/metrics`)).text();
    expect(text).to.match(/\nkeeper_steps_dry_run_total [1-9]/);
    expect(text).to.contain(`keeper_positions_watched{market="${d.addresses.market}"} 3\n`);
    expect(text).to.match(/\nkeeper_steps_sent_total 0\n/);
  });

  it("refuses to start when the endpoint's chain id is not the configured network's", async () => {
    const d = await env.deploy();
    let error: Error | undefined;
    await env.startBot(d, account(5), { KEEPER_NETWORK: "mainnet" }).catch((e: Error) => (error = e));
    expect(error?.message).to.equal(
      `chain id mismatch: ${env.node.url} reports chain 31337, but network "mainnet" expects 1`,
    );
  });

  it("recovers when the node stops and restarts, and serves the fresh deployment at the same factory address", async () => {
    // A deployer used nowhere else, so its nonce is 0 here and again on the restarted node.
    let deployer = env.signer(10);
    const keeper = account(11);
    const first = await env.deploy({ deployer, params: { confirmDelaySeconds: 0 } });
    const before = await env.positions(first, ladder(first, 2, 10n, 14_000n, 500n), deployer);
    await (await first.debtToken.connect(deployer).mint(keeper.address, 1_000_000n * first.debtUnit)).wait();
    const { bot, logs } = await env.startBot(first, keeper);
    await env.idle(bot);
    await env.setPrice(first, 1_500n, deployer);
    await waitFor(async () => (await first.market.debtOf(before[1])) === 0n, "steps on the first node");

    const port = env.node.port;
    env.provider.destroy();
    await env.node.stop();
    await waitFor(
      () => logs().some((l) => l.msg === "pass.failed" && l.kind === "transient"),
      "the keeper to notice",
    );
    await env.start(port);

    deployer = env.signer(10);
    const second = await env.deploy({ deployer, params: { confirmDelaySeconds: 0 } });
    expect(second.addresses.factory).to.equal(first.addresses.factory);
    const after = await env.positions(second, ladder(second, 3, 10n, 14_000n, 300n), deployer);
    await (
      await second.debtToken.connect(deployer).mint(keeper.address, 1_000_000n * second.debtUnit)
    ).wait();
    await env.setPrice(second, 1_500n, deployer);
    await waitFor(
      async () => (await Promise.all(after.map((a) => second.market.debtOf(a)))).every((x) => x === 0n),
      "steps on the restarted node",
      20_000,
    );

    expect(logs().some((l) => l.msg === "chain.reset")).to.equal(true);
    expect(bot.metrics.get("keeper_chain_resets_total")).to.be.greaterThan(0);
    expect(bot.metrics.total("keeper_rpc_errors_total")).to.be.greaterThan(0);
    const steps = await stepEvents(second, env.provider);
    expect(steps.map((s) => s.account).sort()).to.deep.equal([...after].sort());
    expect(steps.every((s) => s.keeper === keeper.address)).to.equal(true);
  });
});
