/**
 * Actions on a position with a connected wallet: add collateral, repay, and (for keepers) a liquidation step.
 * Each shows its preview first; Send is enabled only for the amount previewed. Approvals are sent when the
 * allowance is short. Failures are shown decoded (errors.ts), never as hex.
 *
 * The keeper step is previewed with the contract's own `previewLiquidationStep(account, maxRepay)` and sent as
 * `liquidationStep(account, maxRepay, minSeized = previewed collateral − 1 %, "0x")`: the step caps itself at what
 * is allowed when it runs, and the minimum protects the keeper if the price moves meanwhile. With no amount
 * entered, `maxRepay` is the previewed repay plus 1 % (`STEP_REPAY_HEADROOM_BPS`): interest accrues between the
 * preview and the block the step runs in, and a step cut below its full size by the keeper's cap earns no tip.
 * The market is approved for `maxRepay`, the most the step can pull.
 */
import { parseUnits, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import {
  ERC20__factory,
  LendingMarket__factory,
  MAX_UINT256,
  positionLtv,
  positionZone,
  StepStatus,
} from "../../src/frontend";
import type { ContractMethodArgs, TypedContractMethod } from "../../typechain-types/common";
import { DEFAULT_GAS_HEADROOM_BPS, withHeadroom } from "../../src/keeper/txpolicy";
import type { Connected } from "./chain";
import { describeError } from "./errors";
import { h } from "./dom";
import { formatAmount, formatWadPercent, STEP_STATUS_TEXT, stepStatusName, zoneName } from "./format";
import type { PositionData } from "./position";
import type { Token } from "./markets";

export interface ActionsContext {
  /** The position as last read (refreshed after each action). */
  data(): PositionData;
  wallet(): Connected | null;
  /** Reads go through the page's provider, whether or not a wallet is connected. */
  provider: Provider;
  /** Re-reads the position and redraws the page. */
  refresh(): Promise<void>;
}

/** A prepared action: the preview lines and what Send does. */
interface Prepared {
  lines: string[];
  warning?: string;
  send(signer: Signer, log: (line: string) => void): Promise<void>;
}

export function renderActions(ctx: ActionsContext): HTMLElement {
  const d = ctx.data();
  return h(
    "section",
    { class: "actions" },
    h("h3", {}, "Actions"),
    ctx.wallet() === null
      ? h("p", { class: "warn" }, "Connect a wallet (top right) to send transactions.")
      : null,
    actionForm(ctx, "collateral", `Add collateral (${d.collateral.symbol})`, d.collateral, prepareSupply),
    actionForm(ctx, "repay", `Repay debt (${d.debt.symbol})`, d.debt, prepareRepay),
    actionForm(
      ctx,
      "step",
      `Keeper: liquidation step, max repay (${d.debt.symbol}; empty = all allowed)`,
      d.debt,
      prepareStep,
    ),
  );
}

type Prepare = (ctx: ActionsContext, amount: bigint | null) => Promise<Prepared>;

function actionForm(
  ctx: ActionsContext,
  id: string,
  label: string,
  token: Token,
  prepare: Prepare,
): HTMLElement {
  const input = h("input", {
    type: "text",
    inputmode: "decimal",
    placeholder: `amount in ${token.symbol}`,
    "data-testid": `${id}-amount`,
  });
  const preview = h("div", { class: "preview", "data-testid": `${id}-preview` });
  const result = h("div", { class: "result", "data-testid": `${id}-result` });
  const send = h("button", { disabled: true, "data-testid": `${id}-send` }, "Send");
  let prepared: Prepared | null = null;
  input.addEventListener("input", () => {
    prepared = null;
    send.disabled = true;
    preview.replaceChildren();
  });
  const previewButton = h("button", { "data-testid": `${id}-preview-button` }, "Preview");
  previewButton.addEventListener("click", () => {
    result.replaceChildren();
    result.className = "result";
    void (async () => {
      try {
        const text = input.value.trim();
        const amount = text === "" ? null : parseUnits(text, token.decimals);
        if (amount === null && id !== "step") throw new Error("enter an amount");
        prepared = await prepare(ctx, amount);
        preview.replaceChildren(
          h(
            "ul",
            {},
            prepared.lines.map((l) => h("li", {}, l)),
          ),
          h("p", { class: "warn" }, prepared.warning ?? ""),
        );
        send.disabled = false;
      } catch (error) {
        preview.replaceChildren(h("p", { class: "bad", "data-testid": `${id}-error` }, describeError(error)));
      }
    })();
  });
  send.addEventListener("click", () => {
    const wallet = ctx.wallet();
    if (prepared === null) return;
    if (wallet === null) {
      result.replaceChildren(
        h("p", { class: "bad", "data-testid": `${id}-error` }, "Connect a wallet first."),
      );
      return;
    }
    const action = prepared;
    send.disabled = true;
    result.replaceChildren();
    const log = (line: string) => result.append(h("p", {}, line));
    void (async () => {
      try {
        await action.send(wallet.signer, log);
        result.append(h("p", { class: "ok", "data-testid": `${id}-done` }, "Done."));
        await ctx.refresh();
      } catch (error) {
        result.append(h("p", { class: "bad", "data-testid": `${id}-error` }, describeError(error)));
      }
    })();
  });
  return h(
    "div",
    { class: "action", "data-testid": `action-${id}` },
    h("label", {}, label),
    h("div", { class: "row" }, input, previewButton, send),
    preview,
    result,
  );
}

/**
 * Sends `method(...args)` with a gas limit of the node's estimate plus headroom, and waits for it to be mined.
 * Sent with the bare estimate (what ethers does for a key-holding signer), a liquidation step can run out of gas:
 * the estimate is made a moment before the block the step runs in, and its gas depends on that block's time
 * (interest, the smoothed price, a volatility sample falling due), by a few units to over a thousand.
 * A call the market refuses fails here, at the estimate, with its decoded error.
 */
async function transact<A extends unknown[]>(
  method: TypedContractMethod<A, unknown, "nonpayable">,
  args: A,
  what: string,
  log: (l: string) => void,
) {
  const estimate = await method.estimateGas(...(args as ContractMethodArgs<A, "nonpayable">));
  await confirm(
    method(
      ...([...args, { gasLimit: withHeadroom(estimate, DEFAULT_GAS_HEADROOM_BPS) }] as ContractMethodArgs<
        A,
        "nonpayable"
      >),
    ),
    what,
    log,
  );
}

async function confirm(tx: Promise<ContractTransactionResponse>, what: string, log: (l: string) => void) {
  const sent = await tx;
  log(`${what}: sent ${sent.hash}`);
  const receipt = await sent.wait();
  log(`${what}: confirmed in block ${receipt?.blockNumber}`);
}

/** Approves `amount` of `token` to the market if the signer's allowance is lower. */
async function ensureAllowance(
  signer: Signer,
  token: Token,
  market: string,
  amount: bigint,
  log: (l: string) => void,
) {
  const erc20 = ERC20__factory.connect(token.address, signer);
  const owner = await signer.getAddress();
  if ((await erc20.allowance(owner, market)) >= amount) return;
  await transact(
    erc20.approve,
    [market, amount],
    `approve ${formatAmount(amount, token.decimals, token.symbol)}`,
    log,
  );
}

async function balanceLine(ctx: ActionsContext, token: Token): Promise<string> {
  const wallet = ctx.wallet();
  if (wallet === null) return "wallet not connected";
  const balance = await ERC20__factory.connect(token.address, ctx.provider).balanceOf(wallet.address);
  return `your balance: ${formatAmount(balance, token.decimals, token.symbol)}`;
}

const prepareSupply: Prepare = async (ctx, amount) => {
  const p = ctx.data();
  const a = amount!;
  const { collateral, debt } = p.view;
  const spot = p.market.spotPriceWad;
  const lines = [
    `collateral ${formatAmount(collateral, p.collateral.decimals, p.collateral.symbol)} → ${formatAmount(collateral + a, p.collateral.decimals, p.collateral.symbol)}`,
  ];
  if (p.market.oracleUsable && debt > 0n) {
    const after = positionLtv(collateral + a, debt, spot);
    lines.push(
      `LTV ${formatWadPercent(p.view.ltvWad)} → ${formatWadPercent(after)} (${zoneName(positionZone(p.market.params, collateral + a, debt, spot))})`,
    );
  }
  lines.push(await balanceLine(ctx, p.collateral), `calls supplyCollateral(${p.account}, ${a})`);
  return {
    lines,
    async send(signer, log) {
      await ensureAllowance(signer, p.collateral, p.market.address, a, log);
      const market = LendingMarket__factory.connect(p.market.address, signer);
      await transact(market.supplyCollateral, [p.account, a], "supplyCollateral", log);
    },
  };
};

const prepareRepay: Prepare = async (ctx, amount) => {
  const p = ctx.data();
  const a = amount!;
  const { collateral, debt } = p.view;
  const repaid = a < debt ? a : debt; // repaying more than the debt pulls only the debt
  const after = debt - repaid;
  const fmt = (x: bigint) => formatAmount(x, p.debt.decimals, p.debt.symbol);
  const lines = [`debt ${fmt(debt)} → ${fmt(after)} (interest accrues until the transaction runs)`];
  if (p.market.oracleUsable && after > 0n) {
    lines.push(
      `LTV ${formatWadPercent(p.view.ltvWad)} → ${formatWadPercent(positionLtv(collateral, after, p.market.spotPriceWad))}`,
    );
  }
  lines.push(await balanceLine(ctx, p.debt), `calls repay(${p.account}, ${a})`);
  const minDebt = p.market.params.minDebt;
  const warning =
    after > 0n && after < minDebt
      ? `The market will refuse this: a repay must leave no debt or at least ${fmt(minDebt)} (minDebt).`
      : undefined;
  return {
    lines,
    warning,
    async send(signer, log) {
      await ensureAllowance(signer, p.debt, p.market.address, a, log);
      const market = LendingMarket__factory.connect(p.market.address, signer);
      await transact(market.repay, [p.account, a], "repay", log);
    },
  };
};

/** Headroom over the previewed repay when no amount is entered, bps: interest accrued until the step runs. */
export const STEP_REPAY_HEADROOM_BPS = 100n;

const prepareStep: Prepare = async (ctx, amount) => {
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
        await transact(m.liquidationStep, [p.account, maxRepay, 0n, "0x"], "liquidationStep", log);
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
      await balanceLine(ctx, p.debt),
      `calls liquidationStep(${p.account}, ${sendRepay}, ${minSeized}, 0x)`,
    ],
    async send(signer, log) {
      await ensureAllowance(signer, p.debt, p.market.address, sendRepay, log);
      const m = LendingMarket__factory.connect(p.market.address, signer);
      await transact(m.liquidationStep, [p.account, sendRepay, minSeized, "0x"], "liquidationStep", log);
    },
  };
};
