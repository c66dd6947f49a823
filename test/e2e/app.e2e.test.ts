/**
 * The reference frontend (app/) end to end, in Debian's Chromium driven by playwright-core: a `hardhat node`
 * with the market deployed by the deploy scripts and the demo's positions, the page served by Vite, and every
 * figure the page shows compared, as a string, with the contract's views formatted by the app's own formatter.
 *
 * Screenshots of each page go to test-artifacts/e2e/. Chromium is `apt-get install -y chromium` (.ci/run does
 * it); without /usr/bin/chromium the suite is skipped with a message, unless E2E_REQUIRE_CHROMIUM is set (CI),
 * where it fails.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, VoidSigner } from "ethers";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import {
  LendingMarket__factory,
  MarketLens__factory,
  previewBorrow,
  previewRepay,
  previewSupplyCollateral,
  previewWithdrawCollateral,
  readBorrowerBooks,
  readMarket,
  WAD,
  type BorrowerPreview,
  type LendingMarket,
  type MarketLens,
} from "../../src/frontend";
import { MockERC20__factory } from "../../typechain-types";
import type { DeploymentRecord } from "../../src/sdk/deployment";
import { StepStatus } from "../../src/sdk/types";
import {
  confirmPrice,
  deployWithScripts,
  hardhatAccount,
  openDemoPositions,
} from "../../scripts/lib/app-chain";
import { buildApp, startAppServer, type AppServer } from "../../scripts/lib/app-server";
import {
  LocalChainProvider,
  REPO_ROOT,
  startHardhatNode,
  type HardhatNode,
} from "../../scripts/lib/hardhat-node";
import { formatAmount, formatPrice, formatWadPercent, zoneName } from "../../app/src/format";
import { describeError } from "../../app/src/errors";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "e2e");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];
/** The demo's tokens: WETH (18 decimals) as collateral, USDC (6) as debt. */
const WETH = { decimals: 18, symbol: "WETH" };
const USDC = { decimals: 6, symbol: "USDC" };
const USDC_UNIT = 10n ** 6n;

describe("app: the reference frontend in Chromium [uninstrumented]", function () {
  this.timeout(240_000);
  let node: HardhatNode | undefined;
  let server: AppServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let provider: JsonRpcProvider;
  let market: LendingMarket;
  let lens: MarketLens;
  let record: DeploymentRecord;
  let borrowers: string[];
  const dirs: string[] = [];
  const pageErrors: string[] = [];
  const browserLog: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.E2E_REQUIRE_CHROMIUM)
        throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
      console.log(
        `    skipped: ${CHROMIUM} is missing; apt-get install -y chromium to run the browser tests`,
      );
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    // The node logs every request (and any error it returns): a failure report ends with its last lines.
    node = await startHardhatNode({ logging: true });
    const deployments = mkdtempSync(join(tmpdir(), "e2e-deployments-"));
    const userData = mkdtempSync(join(tmpdir(), "e2e-chromium-"));
    dirs.push(deployments, userData);
    record = await deployWithScripts(node.url, deployments);
    borrowers = await openDemoPositions(node.url, record);
    provider = new LocalChainProvider(node.url);
    market = LendingMarket__factory.connect(record.addresses.market, provider);
    lens = MarketLens__factory.connect(record.addresses.lens, provider);
    // The suite runs against the static build (`npm run app:build`), what a team ships; one test below also loads
    // the page from the dev server that `npm run app` uses.
    const built = mkdtempSync(join(tmpdir(), "e2e-app-build-"));
    dirs.push(built);
    await buildApp(built);
    server = await startAppServer({ rpcUrl: node.url, record, staticDir: built });
    // A persistent context is how Playwright takes a fresh --user-data-dir.
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(error.message));
    // Kept for failure reports: what the browser logged and which requests failed (outcome() prints them).
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") browserLog.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("requestfailed", (r) =>
      browserLog.push(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText}`),
    );
    page.on("response", (r) => {
      if (r.status() >= 400) browserLog.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    provider?.destroy();
    await node?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const text = async (testid: string) => (await page.getByTestId(testid).first().textContent())?.trim() ?? "";
  const screenshot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  /** Loads a view (from scratch: no wallet connected) and waits for one of its figures. */
  async function open(hash: string, readyTestid: string) {
    await page.goto("about:blank"); // a fresh page load: a hash change alone keeps the page's state
    await page.goto(`${server!.url}${hash}`);
    await page.getByTestId(readyTestid).first().waitFor({ timeout: 60_000 });
  }
  /** Waits until the view shows the chain's latest block (the page redraws when a block arrives). */
  async function waitForBlock(testid: string) {
    const latest = await provider.getBlockNumber();
    await page.waitForFunction(
      ([id, block]) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent) >= Number(block),
      [testid, latest] as const,
      { timeout: 30_000 },
    );
  }
  /**
   * Waits for the outcome of an action's Send: "Done." or its decoded error, in the action's result panel. On a
   * timeout the failure says what the page showed instead (preview, result, page errors) and saves a screenshot.
   */
  async function outcome(id: string, timeout = 60_000): Promise<string> {
    const result = page.getByTestId(`${id}-result`);
    const settled = result.getByTestId(`${id}-done`).or(result.getByTestId(`${id}-error`));
    try {
      await settled.first().waitFor({ timeout });
    } catch (error) {
      await screenshot(`timeout-${id}`).catch(() => undefined);
      const shown = async (testid: string) =>
        (
          (await page
            .getByTestId(testid)
            .first()
            .textContent({ timeout: 1_000 })
            .catch(() => null)) ?? "(none)"
        )
          .replace(/\s+/g, " ")
          .trim();
      throw new Error(
        [
          `${id}: no outcome after ${timeout} ms (${(error as Error).message.split("\n")[0]})`,
          `preview: ${await shown(`${id}-preview`)}`,
          `result: ${await shown(`${id}-result`)}`,
          `page errors: ${pageErrors.join(" | ") || "none"}`,
          `browser log (last 10): ${browserLog.slice(-10).join(" | ") || "none"}`,
          `node output (last 1,000 characters): ${node?.output().slice(-1_000) || "none"}`,
        ].join("\n"),
      );
    }
    return ((await settled.first().textContent()) ?? "").trim();
  }
  /** Waits for the action to finish and requires "Done."; a failure shows the whole result panel (its log too). */
  async function expectDone(id: string) {
    const got = await outcome(id);
    const panel = (await page.getByTestId(`${id}-result`).locator("p").allTextContents()).join(" | ");
    const nodeLog = got === "Done." ? "" : (node?.output().slice(-3_000) ?? "");
    expect(got, `${id} result panel: ${panel}\nnode output (last 3,000 characters):\n${nodeLog}`).to.equal(
      "Done.",
    );
  }
  /** The refusal an action's preview shows (without its "Refused before sending: " prefix). */
  async function refusal(id: string): Promise<string> {
    await page.getByTestId(`${id}-refusal`).waitFor({ timeout: 30_000 });
    return (await text(`${id}-refusal`)).replace(/^Refused before sending: /, "");
  }
  /** The block an action's preview was computed at. */
  async function previewBlock(id: string): Promise<number> {
    return Number(/at block (\d+):/.exec(await text(`${id}-preview`))?.[1]);
  }
  /** The market's own answer to a call: its custom error decoded, as the page formats errors. */
  async function marketRefusal(call: Promise<unknown>): Promise<string> {
    try {
      await call;
    } catch (error) {
      return describeError(error).replace(/^Reverted: /, "");
    }
    throw new Error("the market accepted the call");
  }
  /** Snapshot, books and stored position at `block`, as the page reads them. */
  async function booksAt(account: string, block: number) {
    return {
      market: await readMarket(record.addresses.market, provider, block),
      books: await readBorrowerBooks(record.addresses.market, account, provider, block),
    };
  }
  /** A position's state, from the lens. */
  const stateOf = (account: string) => lens.positionState(market, account);
  async function connectDevKey() {
    await page.getByTestId("dev-key").click();
    await page.getByTestId("dev-banner").waitFor();
  }

  it("lists the factory's market with the lens's price, utilisation, zones and pace", async () => {
    await open("#/markets", "market-price");
    await waitForBlock("markets-block");
    const s = await lens.marketSummary(record.addresses.market);
    expect(await text("market-price")).to.equal(formatPrice(s.spotPriceWad, 18, 6, "USDC"));
    expect(await text("market-price")).to.equal("2,000.00 USDC");
    expect(await text("market-utilisation")).to.equal(formatWadPercent(s.utilisationWad));
    expect(await text("market-zones"))
      .to.contain("soft from 80.00 %")
      .and.contain("hard from 90.00 %");
    expect(await text("market-pace")).to.match(/^0\.00 USDC of 1,000,000\.00 USDC used \(0\.00 %\)/);
    expect(await text("market-freshness")).to.match(/^fresh: updated .* ago \(heartbeat 1 h 00 min\)$/);
    await screenshot("1-markets");
  });

  it("serves the same page from the dev server of npm run app", async () => {
    const dev = await startAppServer({ rpcUrl: node!.url, record });
    try {
      await page.goto("about:blank");
      await page.goto(`${dev.url}#/markets`);
      await page.getByTestId("market-price").first().waitFor({ timeout: 60_000 });
      expect(await text("market-price")).to.equal("2,000.00 USDC");
    } finally {
      await dev.close();
    }
  });

  it("shows a position's LTV, zone and liquidation prices equal to MarketLens.positionState", async () => {
    const account = borrowers[5]; // 30 WETH, 44,400 USDC: 74 % at $2,000
    await open(`#/position/${account}`, "position-ltv");
    await waitForBlock("position-block");
    const st = await lens.positionState(market, account);
    expect(await text("position-ltv")).to.equal(formatWadPercent(st.ltvWad));
    expect(await text("position-zone"))
      .to.equal(zoneName(st.zone))
      .and.equal("Healthy");
    expect(await text("position-soft-price")).to.equal(
      formatPrice(st.softLiquidationPriceWad, 18, 6, "USDC"),
    );
    expect(await text("position-hard-price")).to.equal(
      formatPrice(st.hardLiquidationPriceWad, 18, 6, "USDC"),
    );
    expect(await text("position-soft-price")).to.equal("1,850.00 USDC");
    expect(await text("position-collateral")).to.equal(
      formatAmount(st.collateral, WETH.decimals, WETH.symbol),
    );
    expect(await text("position-debt")).to.equal(formatAmount(st.debt, USDC.decimals, USDC.symbol));
    expect(await text("position-step-status")).to.match(/^Healthy: /);
    await screenshot("2-position");
  });

  it("refuses a step on a healthy position and shows the decoded custom error, not hex", async () => {
    await connectDevKey();
    await page.getByTestId("step-preview-button").click();
    await page.getByTestId("step-preview").getByText("previewLiquidationStep: Healthy").waitFor();
    await page.getByTestId("step-send").click();
    const error = await outcome("step");
    expect(error).to.equal("Reverted: MarketStepNotAllowed(status: Healthy, nextAt: 0)");
    expect(error).not.to.match(/0x[0-9a-fA-F]{8,}/);
    await screenshot("3-refused-step");
  });

  it("refuses a repay that leaves dust before sending, with the market's own MarketDebtBelowMinimum", async () => {
    const account = borrowers[5];
    const debt = await market.debtOf(account);
    const amount = debt - 50n * 10n ** 6n;
    await page.getByTestId("repay-amount").fill(formatUnitsPlain(amount, 6));
    await page.getByTestId("repay-preview-button").click();
    const shown = await refusal("repay");
    expect(shown).to.match(/^MarketDebtBelowMinimum\(debt: \d+, minDebt: 100000000\)$/);
    const from = new VoidSigner(hardhatAccount(0).address, provider);
    const call = market
      .connect(from)
      .repay.staticCall(account, amount, { blockTag: await previewBlock("repay") });
    expect(shown).to.equal(await marketRefusal(call));
    expect(await page.getByTestId("repay-send").isDisabled()).to.equal(true);
    await screenshot("4-refused-repay");
  });

  it("a borrower adds collateral, borrows, withdraws collateral and repays, each previewed and refused where due", async () => {
    const dev = hardhatAccount(0, provider);
    const weth = MockERC20__factory.connect(record.addresses.collateralToken, provider);
    const usdc = MockERC20__factory.connect(record.addresses.debtToken, provider);
    const own = market.connect(new VoidSigner(dev.address, provider));
    await open(`#/position/${dev.address}`, "position-collateral");
    await connectDevKey();
    /** The package's previews from the contract's views at the preview's block, formatted as the page does. */
    const expectPreview = async (
      id: string,
      preview: (b: Awaited<ReturnType<typeof booksAt>>) => BorrowerPreview,
    ) => {
      const block = await previewBlock(id);
      const after = preview(await booksAt(dev.address, block));
      const shown = await text(`${id}-preview`);
      const price = (x: bigint) => formatPrice(x, 18, 6, "USDC");
      expect(shown)
        .to.contain(
          `collateral ${formatAmount(await market.collateralOf(dev, { blockTag: block }), 18, "WETH")} → ${formatAmount(after.collateral, 18, "WETH")}`,
        )
        .and.contain(
          `debt ${formatAmount(await market.debtOf(dev, { blockTag: block }), 6, "USDC")} → ${formatAmount(after.debt, 6, "USDC")}`,
        );
      if (after.debt > 0n) {
        expect(shown)
          .to.contain(`→ ${formatWadPercent(after.ltvWad)} (Healthy)`)
          .and.contain(
            `the price may fall ${formatWadPercent(after.softDistanceWad)} (to ${price(after.softLiquidationPriceWad)})`,
          )
          .and.contain(
            `soft ${price(after.softLiquidationPriceWad)}, hard ${price(after.hardLiquidationPriceWad)}`,
          );
      }
      return after;
    };
    const expectPosition = async () => {
      await waitForBlock("position-block");
      const st = await stateOf(dev.address);
      expect(await text("position-collateral")).to.equal(formatAmount(st.collateral, 18, "WETH"));
      expect(await text("position-debt")).to.equal(formatAmount(st.debt, 6, "USDC"));
      expect(await text("position-ltv")).to.equal(st.debt === 0n ? "0.00 %" : formatWadPercent(st.ltvWad));
      return st;
    };

    // Add 10 WETH: the allowance is shown, and exactly the amount is approved (none is left afterwards).
    await page.getByTestId("collateral-amount").fill("10");
    await page.getByTestId("collateral-preview-button").click();
    await page
      .getByTestId("collateral-preview")
      .getByText("Send first approves exactly 10.0000 WETH")
      .waitFor();
    await expectPreview("collateral", (b) => previewSupplyCollateral(b.market, b.books, 10n * WAD));
    await page.getByTestId("collateral-send").click();
    await expectDone("collateral");
    expect((await expectPosition()).collateral).to.equal(10n * WAD);
    expect(await weth.allowance(dev, market)).to.equal(0n);

    // Borrowing 16,000 USDC against $20,000 is above the 75 % max: refused before sending, as the market would.
    await page.getByTestId("borrow-amount").fill("16000");
    await page.getByTestId("borrow-preview-button").click();
    const tooHigh = await refusal("borrow");
    expect(tooHigh).to.match(/^MarketLtvTooHigh\(ltvWad: 8\d{17}, maxLtvWad: 750000000000000000\)$/);
    const borrowAt = { blockTag: await previewBlock("borrow") };
    expect(tooHigh).to.equal(await marketRefusal(own.borrow.staticCall(16_000n * USDC_UNIT, dev, borrowAt)));
    expect(await page.getByTestId("borrow-send").isDisabled()).to.equal(true);
    await screenshot("4b-refused-borrow");

    // Borrow 10,000 USDC: 50 %, and the preview's figures are the package's from the views at its block.
    await page.getByTestId("borrow-amount").fill("10000");
    await page.getByTestId("borrow-preview-button").click();
    await page.getByTestId("borrow-preview").getByText("calls borrow(").waitFor();
    await expectPreview("borrow", (b) => previewBorrow(b.market, b.books, 10_000n * USDC_UNIT));
    const usdcBefore = await usdc.balanceOf(dev);
    await page.getByTestId("borrow-send").click();
    await expectDone("borrow");
    const borrowed = await expectPosition();
    expect(await usdc.balanceOf(dev)).to.equal(usdcBefore + 10_000n * USDC_UNIT);
    expect(formatWadPercent(borrowed.ltvWad)).to.equal("50.00 %");
    // What happens next, in words, at $2,000.
    expect(await text("position-outlook"))
      .to.contain("Healthy at 2,000.00 USDC: LTV 50.00 %")
      .and.contain(
        `to ${formatPrice(borrowed.softLiquidationPriceWad, 18, 6, "USDC")}, the position enters the soft zone`,
      )
      .and.contain(
        `Below ${formatPrice(borrowed.hardLiquidationPriceWad, 18, 6, "USDC")} (the hard zone) it will be closed in full.`,
      );

    // Withdrawing 5 WETH would leave 100 %: refused; 2 WETH leaves 62.5 %.
    await page.getByTestId("withdraw-collateral-amount").fill("5");
    await page.getByTestId("withdraw-collateral-preview-button").click();
    const withdrawRefused = await refusal("withdraw-collateral");
    expect(withdrawRefused).to.match(/^MarketLtvTooHigh\(ltvWad: 1\d{18}, maxLtvWad: 750000000000000000\)$/);
    const withdrawAt = { blockTag: await previewBlock("withdraw-collateral") };
    expect(withdrawRefused).to.equal(
      await marketRefusal(own.withdrawCollateral.staticCall(5n * WAD, dev, withdrawAt)),
    );
    await page.getByTestId("withdraw-collateral-amount").fill("2");
    await page.getByTestId("withdraw-collateral-preview-button").click();
    await page.getByTestId("withdraw-collateral-preview").getByText("calls withdrawCollateral(").waitFor();
    await expectPreview("withdraw-collateral", (b) => previewWithdrawCollateral(b.market, b.books, 2n * WAD));
    const wethBefore = await weth.balanceOf(dev);
    await page.getByTestId("withdraw-collateral-send").click();
    await expectDone("withdraw-collateral");
    expect((await expectPosition()).collateral).to.equal(8n * WAD);
    expect(await weth.balanceOf(dev)).to.equal(wethBefore + 2n * WAD);

    // Repay 5,000 USDC, approved exactly.
    await page.getByTestId("repay-amount").fill("5000");
    await page.getByTestId("repay-preview-button").click();
    await page.getByTestId("repay-preview").getByText("Send first approves exactly 5,000.00 USDC").waitFor();
    await expectPreview("repay", (b) => previewRepay(b.market, b.books, 5_000n * USDC_UNIT));
    const debtBefore = await market.debtOf(dev);
    await page.getByTestId("repay-send").click();
    await expectDone("repay");
    const repaid = await expectPosition();
    const [event] = (await market.queryFilter(market.filters.Repaid(dev.address, dev.address))).slice(-1);
    expect(event.args.assets).to.equal(5_000n * USDC_UNIT);
    expect(repaid.debt < debtBefore && repaid.debt > debtBefore - 5_000n * USDC_UNIT).to.equal(true);
    expect(await usdc.allowance(dev, market)).to.equal(0n);
    await screenshot("4c-borrower");
  });

  it("a lender deposits, withdraws and redeems: shares exactly as the vault's previews say, refusals decoded", async () => {
    const dev = hardhatAccount(0, provider);
    const usdc = MockERC20__factory.connect(record.addresses.debtToken, provider);
    const shareSymbol = await market.symbol();
    const shares = (x: bigint) => formatAmount(x, 12, shareSymbol);
    const own = market.connect(new VoidSigner(dev.address, provider));
    await open("#/lend", "lend-total-assets");
    await connectDevKey();
    await page.getByTestId("lend-shares").waitFor();
    await waitForBlock("lend-block");
    expect(await text("lend-total-assets")).to.equal(formatAmount(await market.totalAssets(), 6, "USDC"));
    expect(await text("lend-shares")).to.equal(shares(0n));
    expect(await text("lend-paused-field")).to.equal("no");

    /**
     * Sends the previewed action from the page, and evaluates `preview` in the very block the action runs in
     * (the node's pending block, its time fixed a second ahead): what ERC-4626 says the call gives.
     */
    async function sendAndPreviewInItsBlock(id: string, nth: number, preview: () => Promise<bigint>) {
      let expected: bigint | undefined;
      let sends = 0;
      await page.route("**/rpc", async (route) => {
        if ((route.request().postData() ?? "").includes("eth_sendRawTransaction") && ++sends === nth) {
          const latest = (await provider.getBlock("latest"))!;
          await provider.send("evm_setNextBlockTimestamp", [latest.timestamp + 1]);
          expected = await preview();
        }
        await route.continue();
      });
      await page.getByTestId(`${id}-send`).click();
      await expectDone(id);
      await page.unroute("**/rpc");
      expect(sends).to.equal(nth);
      return expected!;
    }

    // Deposit 1,000 USDC (approval first, exactly 1,000): the shares minted are previewDeposit's.
    await page.getByTestId("deposit-amount").fill("1000");
    await page.getByTestId("deposit-preview-button").click();
    await page
      .getByTestId("deposit-preview")
      .getByText("Send first approves exactly 1,000.00 USDC")
      .waitFor();
    const depositAt = { blockTag: await previewBlock("deposit") };
    expect(await text("deposit-preview")).to.contain(
      `previewDeposit: you receive ${shares(await market.previewDeposit(1_000n * USDC_UNIT, depositAt))}`,
    );
    const minted = await sendAndPreviewInItsBlock("deposit", 2, () =>
      market.previewDeposit(1_000n * USDC_UNIT, { blockTag: "pending" }),
    );
    expect(await market.balanceOf(dev)).to.equal(minted);
    expect(await usdc.allowance(dev, market)).to.equal(0n);
    await waitForBlock("lend-block");
    expect(await text("lend-shares")).to.equal(shares(minted));
    expect(await text("lend-max-withdraw")).to.equal(formatAmount(await market.maxWithdraw(dev), 6, "USDC"));

    // Withdraw 400 USDC: the shares burnt are previewWithdraw's, the assets received exactly 400.
    await page.getByTestId("withdraw-amount").fill("400");
    await page.getByTestId("withdraw-preview-button").click();
    await page.getByTestId("withdraw-preview").getByText("previewWithdraw: burns").waitFor();
    const usdcBefore = await usdc.balanceOf(dev);
    const burnt = await sendAndPreviewInItsBlock("withdraw", 1, () =>
      market.previewWithdraw(400n * USDC_UNIT, { blockTag: "pending" }),
    );
    expect(await market.balanceOf(dev)).to.equal(minted - burnt);
    expect(await usdc.balanceOf(dev)).to.equal(usdcBefore + 400n * USDC_UNIT);

    // Redeem 100 shares: the assets paid are previewRedeem's.
    const redeemed = 100n * 10n ** 12n;
    await page.getByTestId("redeem-amount").fill("100");
    await page.getByTestId("redeem-preview-button").click();
    await page.getByTestId("redeem-preview").getByText("previewRedeem:").waitFor();
    const usdcBeforeRedeem = await usdc.balanceOf(dev);
    const paid = await sendAndPreviewInItsBlock("redeem", 1, () =>
      market.previewRedeem(redeemed, { blockTag: "pending" }),
    );
    expect(await market.balanceOf(dev)).to.equal(minted - burnt - redeemed);
    expect(await usdc.balanceOf(dev)).to.equal(usdcBeforeRedeem + paid);
    await waitForBlock("lend-block");
    expect(await text("lend-shares")).to.equal(shares(minted - burnt - redeemed));
    expect(await text("lend-value")).to.equal(
      formatAmount(await market.previewRedeem(minted - burnt - redeemed), 6, "USDC"),
    );
    await screenshot("4d-lend");

    // Above the max: refused before sending with the ERC-4626 errors the vault would revert with.
    for (const [id, amount, call] of [
      [
        "withdraw",
        "2000",
        (at: { blockTag: number }) => own.withdraw.staticCall(2_000n * USDC_UNIT, dev, dev, at),
      ],
      [
        "redeem",
        "2000",
        (at: { blockTag: number }) => own.redeem.staticCall(2_000n * 10n ** 12n, dev, dev, at),
      ],
    ] as const) {
      await page.getByTestId(`${id}-amount`).fill(amount);
      await page.getByTestId(`${id}-preview-button`).click();
      const shown = await refusal(id);
      expect(shown).to.match(
        id === "withdraw" ? /^ERC4626ExceededMaxWithdraw\(owner: / : /^ERC4626ExceededMaxRedeem\(owner: /,
      );
      expect(shown).to.equal(await marketRefusal(call({ blockTag: await previewBlock(id) })));
    }

    // Paused by the guardian (account #0 in the local deployment): shown, and a deposit is refused.
    const guardian = market.connect(dev);
    await (await guardian.pause()).wait();
    try {
      await open("#/lend", "lend-paused");
      await connectDevKey();
      await page.getByTestId("lend-max-deposit").waitFor();
      expect(await text("lend-max-deposit")).to.equal("0.00 USDC");
      expect(await text("lend-max-withdraw")).to.equal("0.00 USDC");
      await page.getByTestId("deposit-amount").fill("10");
      await page.getByTestId("deposit-preview-button").click();
      const shown = await refusal("deposit");
      expect(shown).to.equal(`ERC4626ExceededMaxDeposit(receiver: ${dev.address}, assets: 10000000, max: 0)`);
      expect(shown).to.equal(
        await marketRefusal(
          own.deposit.staticCall(10n * USDC_UNIT, dev, { blockTag: await previewBlock("deposit") }),
        ),
      );
      await screenshot("4e-lend-paused");
    } finally {
      await (await guardian.unpause()).wait();
    }
  });

  it("after the price falls, a keeper step from the page appears in the history and chart with the new LTV", async () => {
    const account = borrowers[5];
    // The development key (account #0) starts with no allowance, so that the page must approve what the step pulls.
    const dev = hardhatAccount(0, provider);
    const usdc = MockERC20__factory.connect(record.addresses.debtToken, dev);
    await (await usdc.approve(record.addresses.market, 0n)).wait();
    // ETH / USD to $1,800 (LTV 82.2 %: soft zone), then time passes until the smoothed price confirms it.
    await confirmPrice(node!.url, record, 1_800n * 10n ** 8n, account);
    const ready = await lens.positionState(market, account);
    expect(ready.step.status).to.equal(BigInt(StepStatus.Ready));

    await open("#/risk", "risk-table");
    await waitForBlock("risk-block");
    const rows = page.getByTestId("risk-row");
    expect(await rows.count()).to.equal(2);
    expect(await rows.first().getAttribute("data-account")).to.equal(account); // deepest first
    expect(await rows.first().textContent())
      .to.contain(formatWadPercent(ready.ltvWad))
      .and.contain("Soft");
    await screenshot("5-at-risk");

    await open(`#/position/${account}`, "position-ltv");
    await waitForBlock("position-block");
    expect(await text("position-zone")).to.equal("Soft");
    expect(await text("position-step-status")).to.match(/^Ready: /);
    await connectDevKey();
    await page.getByTestId("step-preview-button").click();
    await page.getByTestId("step-preview").getByText("Ready, Soft zone").waitFor();
    const call = /liquidationStep\(0x[0-9a-fA-F]{40}, (\d+), (\d+), 0x\)/.exec(await text("step-preview"));
    expect(call, "the preview's call line").to.not.equal(null);
    const [maxRepay, minSeized] = [BigInt(call![1]), BigInt(call![2])];
    const balanceBefore = await usdc.balanceOf(dev);
    // The step's block comes 5 minutes of chain time after its gas estimate (as when a transaction waits in the
    // mempool): a volatility sample falls due in between and the step needs about 1,200 gas more than estimated.
    // The page's 25 % gas headroom covers it; sent with the bare estimate, the step would run out of gas.
    let sends = 0;
    await page.route("**/rpc", async (route) => {
      if ((route.request().postData() ?? "").includes("eth_sendRawTransaction") && ++sends === 2) {
        await provider.send("evm_increaseTime", [300]); // the approval was the first
      }
      await route.continue();
    });
    await page.getByTestId("step-send").click();
    await expectDone("step");
    await page.unroute("**/rpc");
    expect(sends).to.equal(2);

    const [event] = await market.queryFilter(market.filters.LiquidationStepped(account));
    expect(event, "the step's event").to.not.equal(undefined);
    const { keeper, repaid, seized, tip, ltvBeforeWad, ltvAfterWad } = event.args;
    // Sent with the previewed repay plus 1 % headroom, approved for exactly that: the step ran in full although
    // interest had grown it since the preview, so it paid the keeper the tip, min(keeperTip, reserves), with
    // reserves as they stood in the step (what is left after it plus the tip); the keeper paid the repay less the tip.
    const [approval] = (
      await usdc.queryFilter(usdc.filters.Approval(dev.address, record.addresses.market))
    ).slice(-1);
    expect(approval.args.value).to.equal(maxRepay);
    expect(keeper).to.equal(dev.address);
    expect(repaid <= maxRepay && seized >= minSeized).to.equal(true);
    const [, , reservesAfter] = await market.accounting({ blockTag: event.blockNumber });
    const { keeperTip } = await market.params();
    expect(tip > 0n).to.equal(true);
    expect(tip).to.equal(keeperTip < tip + reservesAfter ? keeperTip : tip + reservesAfter);
    expect(balanceBefore - (await usdc.balanceOf(dev))).to.equal(repaid - tip);
    const sent = await provider.getTransaction(event.transactionHash);
    const receipt = await provider.getTransactionReceipt(event.transactionHash);
    expect(sent!.gasLimit > (receipt!.gasUsed * 12n) / 10n, "gas limit over 1.2 x gas used").to.equal(true);
    await waitForBlock("position-block");
    const history = page.getByTestId("history-step");
    expect(await history.count()).to.equal(1);
    expect(await history.first().textContent()).to.contain(
      `repaid ${formatAmount(repaid, 6, "USDC")}, seized ${formatAmount(seized, 18, "WETH")}; ` +
        `LTV ${formatWadPercent(ltvBeforeWad)} → ${formatWadPercent(ltvAfterWad)}`,
    );
    expect(await page.getByTestId("chart-step").count()).to.equal(1);
    const after = await lens.positionState(market, account);
    expect(await text("position-ltv")).to.equal(formatWadPercent(after.ltvWad));
    expect(await text("position-debt")).to.equal(formatAmount(after.debt, 6, "USDC"));
    expect(after.ltvWad < ready.ltvWad).to.equal(true);
    await screenshot("6-after-step");
  });

  it("an injected EIP-1193 wallet adds collateral, and its refused step is decoded too", async () => {
    // A minimal injected wallet: requests go to the node through the page's /rpc proxy, where Hardhat's
    // accounts are unlocked (eth_sendTransaction); account #9 (no other role in this chain) signs.
    const holder = hardhatAccount(9).address;
    await page.addInitScript((from: string) => {
      const rpc = async (method: string, params: unknown[] = []) => {
        const response = await fetch("/rpc", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        });
        const body = (await response.json()) as {
          result?: unknown;
          error?: { code: number; message: string; data?: unknown };
        };
        if (body.error) throw Object.assign(new Error(body.error.message), body.error);
        return body.result;
      };
      (window as unknown as { ethereum: unknown }).ethereum = {
        request: ({ method, params }: { method: string; params?: unknown[] }) =>
          method === "eth_requestAccounts" || method === "eth_accounts"
            ? Promise.resolve([from])
            : rpc(method, params),
      };
    }, holder);
    const weth = MockERC20__factory.connect(record.addresses.collateralToken, hardhatAccount(9, provider));
    await (await weth.mint(holder, 5n * 10n ** 18n)).wait();

    const account = borrowers[0]; // 10 WETH, 12,400 USDC: healthy
    await open(`#/position/${account}`, "position-ltv");
    await page.getByTestId("connect-wallet").click();
    await page.getByTestId("wallet").getByText(`Wallet ${holder}`).waitFor();
    await page.getByTestId("collateral-amount").fill("5");
    await page.getByTestId("collateral-preview-button").click();
    await page
      .getByTestId("collateral-preview")
      .getByText("collateral 10.0000 WETH → 15.0000 WETH")
      .waitFor();
    await page.getByTestId("collateral-send").click();
    await expectDone("collateral");
    await waitForBlock("position-block");
    const st = await lens.positionState(market, account);
    expect(st.collateral).to.equal(15n * 10n ** 18n);
    expect(await text("position-collateral")).to.equal("15.0000 WETH");
    expect(await text("position-ltv")).to.equal(formatWadPercent(st.ltvWad));
    expect(await page.getByTestId("history-row").last().textContent())
      .to.contain("Collateral added")
      .and.contain("5.0000 WETH");

    await page.getByTestId("step-preview-button").click();
    await page.getByTestId("step-preview").getByText("previewLiquidationStep: Healthy").waitFor();
    await page.getByTestId("step-send").click();
    expect(await outcome("step")).to.equal("Reverted: MarketStepNotAllowed(status: Healthy, nextAt: 0)");
    await screenshot("7-injected-wallet");
  });

  it("shows a stale oracle as unusable with the oracle's decoded error, not as a price", async () => {
    await provider.send("evm_increaseTime", [3_700]); // past the feed's 1 h heartbeat
    await provider.send("evm_mine", []);
    expect((await lens.marketSummary(record.addresses.market)).oracleUsable).to.equal(false);

    await open("#/markets", "market-price");
    await waitForBlock("markets-block");
    expect(await text("market-price")).to.match(
      /^unusable — OracleStale\(feed: 0x[0-9a-fA-F]{40}, updatedAt: \d+, heartbeatSeconds: 3600\)$/,
    );
    expect(await text("market-freshness")).to.match(
      /^STALE: updated 1 h 0\d min ago \(heartbeat 1 h 00 min\)$/,
    );
    await screenshot("8-stale-oracle");

    await open(`#/position/${borrowers[5]}`, "position-ltv");
    await waitForBlock("position-block");
    expect(await text("position-ltv")).to.equal("— (no usable price)");
    expect(await text("position-zone")).to.equal("unknown (no usable price)");
    expect(pageErrors).to.deep.equal([]);
  });
});

/** A base-unit amount as the decimal string a person types (no grouping, no rounding). */
function formatUnitsPlain(value: bigint, decimals: number): string {
  const s = value.toString().padStart(decimals + 1, "0");
  return `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
}
