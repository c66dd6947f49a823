/**
 * The position page's actions: the borrower's (add collateral, withdraw collateral, borrow, repay) and the
 * keeper's liquidation step. Each previews first, from the figures the page read at one block: the borrower's
 * with the package's previews (the position after the call: LTV, distance to the soft zone, liquidation prices;
 * and the market's refusal, decoded, before anything is sent), the step with the contract's own
 * `previewLiquidationStep`.
 *
 * The keeper step is sent as `liquidationStep(account, maxRepay, minSeized = previewed collateral − 1 %, "0x")`:
 * the step caps itself at what is allowed when it runs, and the minimum protects the keeper if the price moves
 * meanwhile. With no amount entered, `maxRepay` is the previewed repay plus 1 % (`STEP_REPAY_HEADROOM_BPS`):
 * interest accrues between the preview and the block the step runs in, and a step cut below its full size by the
 * keeper's cap earns no tip. The market is approved for `maxRepay`, the most the step can pull.
 */
import {
  LendingMarket__factory,
  MAX_UINT256,
  ORACLE_UNUSABLE,
  previewBorrow,
  previewRepay,
  previewSupplyCollateral,
  previewWithdrawCollateral,
  StepStatus,
  type BorrowerPreview,
  type Refusal,
} from "../../src/frontend";
import {
  actionForm,
  ensureAllowance,
  fundsLines,
  transact,
  type ActionContext,
  type Prepared,
} from "./action-form";
import { errorText } from "./errors";
import { h } from "./dom";
import {
  formatAmount,
  formatPrice,
  formatWadPercent,
  STEP_STATUS_TEXT,
  stepStatusName,
  zoneName,
} from "./format";
import type { PositionData } from "./position";

export interface PositionActionsContext extends ActionContext {
  /** The position as last read (refreshed after each action). */
  data(): PositionData;
}

export function renderActions(ctx: PositionActionsContext): HTMLElement {
  const d = ctx.data();
  const own = ctx.wallet()?.address === d.account;
  return h(
    "section",
    { class: "actions" },
    h("h3", {}, "Actions"),
    ctx.wallet() === null
      ? h("p", { class: "warn" }, "Connect a wallet (top right) to send transactions.")
      : null,
    h("h4", {}, "Borrower"),
    own || ctx.wallet() === null
      ? null
      : h(
          "p",
          { class: "muted" },
          "Anyone may add collateral to or repay this position; borrowing and withdrawing collateral act on the " +
            `connected wallet's own position (#/position/${ctx.wallet()!.address}).`,
        ),
    actionForm(ctx, {
      id: "collateral",
      label: `Add collateral (${d.collateral.symbol})`,
      unit: d.collateral,
      prepare: (amount) => prepareSupply(ctx, amount!),
    }),
    actionForm(ctx, {
      id: "withdraw-collateral",
      label: `Withdraw collateral (${d.collateral.symbol})`,
      unit: d.collateral,
      prepare: (amount) => prepareWithdrawCollateral(ctx, amount!),
    }),
    actionForm(ctx, {
      id: "borrow",
      label: `Borrow (${d.debt.symbol})`,
      unit: d.debt,
      prepare: (amount) => prepareBorrow(ctx, amount!),
    }),
    actionForm(ctx, {
      id: "repay",
      label: `Repay debt (${d.debt.symbol})`,
      unit: d.debt,
      prepare: (amount) => prepareRepay(ctx, amount!),
    }),
    h("h4", {}, "Keeper"),
    actionForm(ctx, {
      id: "step",
      label: `Liquidation step, max repay (${d.debt.symbol}; empty = all allowed)`,
      unit: d.debt,
      optionalAmount: true,
      prepare: (amount) => prepareStep(ctx, amount),
    }),
  );
}

/** The refusal as people read it: the market's error, or the oracle's own when it gives no price. */
const refusalText = (p: PositionData, r: Refusal | null): string | undefined =>
  r === null
    ? undefined
    : r.name === ORACLE_UNUSABLE
      ? (p.oracleProblem ?? "the oracle gives no price")
      : errorText(r.name, r.args);

/** The position before → after: collateral, debt, LTV and zone, distance to the soft zone, liquidation prices. */
function positionLines(p: PositionData, after: BorrowerPreview): string[] {
  const v = p.view;
  const c = (x: bigint) => formatAmount(x, p.collateral.decimals, p.collateral.symbol);
  const d = (x: bigint) => formatAmount(x, p.debt.decimals, p.debt.symbol);
  const price = (x: bigint) => formatPrice(x, p.collateral.decimals, p.debt.decimals, p.debt.symbol);
  const lines = [
    `at block ${p.market.blockNumber}:`,
    `collateral ${c(v.collateral)} → ${c(after.collateral)}`,
    `debt ${d(v.debt)} → ${d(after.debt)}`,
  ];
  if (!p.market.oracleUsable) return [...lines, "LTV unknown: the oracle gives no usable price"];
  if (after.debt === 0n) return [...lines, "no debt after: nothing to liquidate"];
  lines.push(
    `LTV ${v.debt === 0n ? "—" : formatWadPercent(v.ltvWad)} → ${formatWadPercent(after.ltvWad)} (${zoneName(after.zone)})`,
    after.softDistanceWad === 0n
      ? "in the soft zone or beyond at this price"
      : `distance to the soft zone: the price may fall ${formatWadPercent(after.softDistanceWad)} (to ${price(after.softLiquidationPriceWad)})`,
    `liquidation prices after: soft ${price(after.softLiquidationPriceWad)}, hard ${price(after.hardLiquidationPriceWad)}`,
  );
  return lines;
}

/** Borrowing and withdrawing collateral act on the sender's own position. */
function ownerOnly(ctx: PositionActionsContext, p: PositionData): string | undefined {
  const wallet = ctx.wallet();
  return wallet !== null && wallet.address !== p.account
    ? `this acts on your own position: open #/position/${wallet.address}`
    : undefined;
}

async function prepareSupply(ctx: PositionActionsContext, a: bigint): Promise<Prepared> {
  const p = ctx.data();
  const after = previewSupplyCollateral(p.market, p.books, a);
  return {
    lines: [
      ...positionLines(p, after),
      ...(await fundsLines(ctx, p.collateral, p.market.address, a, p.market.blockNumber)),
      `calls supplyCollateral(${p.account}, ${a})`,
    ],
    refusal: refusalText(p, after.refusal),
    async send(signer, log) {
      await ensureAllowance(signer, p.collateral, p.market.address, a, log);
      const market = LendingMarket__factory.connect(p.market.address, signer);
      await transact(market, "supplyCollateral", [p.account, a], "supplyCollateral", log);
    },
  };
}

async function prepareWithdrawCollateral(ctx: PositionActionsContext, a: bigint): Promise<Prepared> {
  const p = ctx.data();
  const after = previewWithdrawCollateral(p.market, p.books, a);
  return {
    lines: [...positionLines(p, after), `calls withdrawCollateral(${a}, ${p.account})`],
    refusal: ownerOnly(ctx, p) ?? refusalText(p, after.refusal),
    async send(signer, log) {
      const market = LendingMarket__factory.connect(p.market.address, signer);
      await transact(market, "withdrawCollateral", [a, await signer.getAddress()], "withdrawCollateral", log);
    },
  };
}

async function prepareBorrow(ctx: PositionActionsContext, a: bigint): Promise<Prepared> {
  const p = ctx.data();
  const after = previewBorrow(p.market, p.books, a);
  const d = (x: bigint) => formatAmount(x, p.debt.decimals, p.debt.symbol);
  return {
    lines: [
      ...positionLines(p, after),
      `the market can lend ${d(p.books.cash)} (its cash); minimum debt ${d(p.market.params.minDebt)}`,
      `calls borrow(${a}, ${p.account})`,
    ],
    refusal: ownerOnly(ctx, p) ?? refusalText(p, after.refusal),
    warning: "Interest accrues from the block the borrow runs in.",
    async send(signer, log) {
      const market = LendingMarket__factory.connect(p.market.address, signer);
      await transact(market, "borrow", [a, await signer.getAddress()], "borrow", log);
    },
  };
}

async function prepareRepay(ctx: PositionActionsContext, a: bigint): Promise<Prepared> {
  const p = ctx.data();
  const after = previewRepay(p.market, p.books, a);
  const d = (x: bigint) => formatAmount(x, p.debt.decimals, p.debt.symbol);
  return {
    lines: [
      ...positionLines(p, after),
      `pulls ${d(after.repaid)}` + (after.repaid < a ? " (the whole debt; the rest stays with you)" : ""),
      ...(await fundsLines(ctx, p.debt, p.market.address, a, p.market.blockNumber)),
      `calls repay(${p.account}, ${a})`,
    ],
    refusal: refusalText(p, after.refusal),
    warning: "Interest accrues until the transaction runs: the debt left is a little higher than shown.",
    async send(signer, log) {
      await ensureAllowance(signer, p.debt, p.market.address, a, log);
      const market = LendingMarket__factory.connect(p.market.address, signer);
      await transact(market, "repay", [p.account, a], "repay", log);
    },
  };
}

/** Headroom over the previewed repay when no amount is entered, bps: interest accrued until the step runs. */
export const STEP_REPAY_HEADROOM_BPS = 100n;

async function balanceLine(ctx: PositionActionsContext, p: PositionData): Promise<string> {
  return (await fundsLines(ctx, p.debt, p.market.address, 0n, p.market.blockNumber))[0];
}

async function prepareStep(ctx: PositionActionsContext, amount: bigint | null): Promise<Prepared> {
  const p = ctx.data();
  const maxRepay = amount ?? MAX_UINT256;
  const market = LendingMarket__factory.connect(p.market.address, ctx.provider);
  const preview = await market.previewLiquidationStep(p.account, maxRepay);
  const status = Number(preview.status) as StepStatus;
  const c = (x: bigint) => formatAmount(x, p.collateral.decimals, p.collateral.symbol);
  const d = (x: bigint) => formatAmount(x, p.debt.decimals, p.debt.symbol);
  const maxText = maxRepay === MAX_UINT256 ? "all allowed" : d(maxRepay);
  if (status !== StepStatus.Ready) {
    return {
      lines: [`previewLiquidationStep: ${stepStatusName(status)} — ${STEP_STATUS_TEXT[status]}`],
      warning: "The market will refuse this step; Send shows its error.",
      async send(signer, log) {
        const m = LendingMarket__factory.connect(p.market.address, signer);
        await transact(m, "liquidationStep", [p.account, maxRepay, 0n, "0x"], "liquidationStep", log);
      },
    };
  }
  const minSeized = preview.seized - preview.seized / 100n; // rounds the 1 % down: the minimum rounds up
  const pays = preview.repaid - preview.tip;
  // The keeper's own cap, or the previewed repay plus headroom (rounded down) so that the step still runs in full.
  const sendRepay = amount ?? preview.repaid + (preview.repaid * STEP_REPAY_HEADROOM_BPS) / 10_000n;
  return {
    lines: [
      `previewLiquidationStep (max repay ${maxText}): Ready, ${zoneName(preview.zone)} zone`,
      `repays ${d(preview.repaid)} of the debt; you pay ${d(pays)} (the tip of ${d(preview.tip)} comes from reserves)`,
      `sent with max repay ${d(sendRepay)}` +
        (amount === null ? " (1 % over the preview for interest until it runs)" : "") +
        `; the market is approved for that much`,
      `you receive ${c(preview.seized)} (incentive ${formatWadPercent(preview.incentiveWad)}); minimum accepted ${c(minSeized)}`,
      `LTV ${formatWadPercent(preview.ltvBeforeWad)} → ${formatWadPercent(preview.ltvAfterWad)}` +
        (preview.badDebt > 0n ? `; bad debt written off ${d(preview.badDebt)}` : ""),
      await balanceLine(ctx, p),
      `calls liquidationStep(${p.account}, ${sendRepay}, ${minSeized}, 0x)`,
    ],
    async send(signer, log) {
      await ensureAllowance(signer, p.debt, p.market.address, sendRepay, log);
      const m = LendingMarket__factory.connect(p.market.address, signer);
      await transact(m, "liquidationStep", [p.account, sendRepay, minSeized, "0x"], "liquidationStep", log);
    },
  };
}
