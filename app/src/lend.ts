/**
 * Lender panel: the market's ERC-4626 vault at one block (assets, shares, share price, cash, utilisation,
 * pause) and the connected wallet's shares, with deposit, withdraw and redeem. Every preview is the vault's own
 * view at that block (`previewDeposit`, `previewWithdraw`, `previewRedeem`) and every limit its `max*` view (zero
 * while paused; withdrawals capped by the market's cash, the part of the assets not lent out); a call above the
 * limit is refused before sending with the ERC-4626 error it would revert with.
 */
import type { Provider } from "ethers";
import { LendingMarket__factory, vaultRefusal, WAD } from "../../src/frontend";
import { actionForm, ensureAllowance, fundsLines, transact, type ActionContext } from "./action-form";
import { field, h } from "./dom";
import { errorText } from "./errors";
import { formatAmount, formatTime, formatUnitsFixed, formatWadPercent } from "./format";
import { readToken, type Token } from "./markets";

export interface LenderData {
  market: string;
  blockNumber: number;
  timestamp: bigint;
  asset: Token;
  /** The vault's shares (the market is their ERC-20). */
  shares: Token;
  totalAssets: bigint;
  totalSupply: bigint;
  /** Assets one whole share redeems for (convertToAssets), asset units. */
  sharePrice: bigint;
  cash: bigint;
  debt: bigint;
  paused: boolean;
  /** The connected wallet's figures (null without a wallet). */
  lender: null | {
    address: string;
    shares: bigint;
    /** previewRedeem(shares). */
    value: bigint;
    maxDeposit: bigint;
    maxWithdraw: bigint;
    maxRedeem: bigint;
  };
}

export async function readLender(
  provider: Provider,
  marketAddress: string,
  wallet: string | null,
): Promise<LenderData> {
  const block = (await provider.getBlock("latest"))!;
  const at = { blockTag: block.number };
  const m = LendingMarket__factory.connect(marketAddress, provider);
  const [asset, shares, totalAssets, totalSupply, accounting, paused] = await Promise.all([
    m.asset(at).then((a) => readToken(a, provider)),
    readToken(marketAddress, provider),
    m.totalAssets(at),
    m.totalSupply(at),
    m.accounting(at),
    m.paused(at),
  ]);
  const sharePrice = await m.convertToAssets(10n ** BigInt(shares.decimals), at);
  let lender: LenderData["lender"] = null;
  if (wallet !== null) {
    const balance = await m.balanceOf(wallet, at);
    const [value, maxDeposit, maxWithdraw, maxRedeem] = await Promise.all([
      m.previewRedeem(balance, at),
      m.maxDeposit(wallet, at),
      m.maxWithdraw(wallet, at),
      m.maxRedeem(wallet, at),
    ]);
    lender = { address: wallet, shares: balance, value, maxDeposit, maxWithdraw, maxRedeem };
  }
  return {
    market: marketAddress,
    blockNumber: block.number,
    timestamp: BigInt(block.timestamp),
    asset,
    shares,
    totalAssets,
    totalSupply,
    sharePrice,
    cash: accounting.cash,
    debt: accounting.debt,
    paused,
    lender,
  };
}

/** The vault's and the wallet's figures (redrawn on every block). */
export function renderLender(l: LenderData): HTMLElement {
  const a = (x: bigint) => formatAmount(x, l.asset.decimals, l.asset.symbol);
  const s = (x: bigint) => formatAmount(x, l.shares.decimals, l.shares.symbol);
  const utilisation = l.totalAssets === 0n ? 0n : (l.debt * WAD) / l.totalAssets; // rounds down
  const me = l.lender;
  return h(
    "section",
    { class: "lend" },
    h("h2", {}, `Lend ${l.asset.symbol}`),
    h(
      "p",
      { class: "muted" },
      `Market ${l.market} (its ERC-4626 shares: ${l.shares.symbol}), block `,
      h("span", { "data-testid": "lend-block" }, String(l.blockNumber)),
      `, ${formatTime(l.timestamp)}.`,
    ),
    l.paused
      ? h(
          "p",
          { class: "bad", "data-testid": "lend-paused" },
          "PAUSED by the guardian: deposits and withdrawals are stopped (max deposit and max withdraw are zero).",
        )
      : null,
    h(
      "div",
      { class: "columns" },
      h(
        "dl",
        {},
        field("Supplied (total assets)", a(l.totalAssets), "lend-total-assets"),
        field("Shares issued", s(l.totalSupply), "lend-total-supply"),
        field(
          `One ${l.shares.symbol} redeems for`,
          `${formatUnitsFixed(l.sharePrice, l.asset.decimals, 6)} ${l.asset.symbol}`,
          "lend-share-price",
        ),
        field("Cash (not lent out)", a(l.cash), "lend-cash"),
        field("Utilisation", formatWadPercent(utilisation), "lend-utilisation"),
        field("Paused", l.paused ? "yes" : "no", "lend-paused-field"),
      ),
      me === null
        ? h("p", { class: "warn" }, "Connect a wallet (top right) to see your shares and lend.")
        : h(
            "dl",
            {},
            field("Your shares", s(me.shares), "lend-shares"),
            field("Worth (previewRedeem)", a(me.value), "lend-value"),
            field(
              "Max deposit",
              me.maxDeposit >= 2n ** 255n ? "unlimited" : a(me.maxDeposit),
              "lend-max-deposit",
            ),
            field("Max withdraw (from cash)", a(me.maxWithdraw), "lend-max-withdraw"),
            field("Max redeem", s(me.maxRedeem), "lend-max-redeem"),
          ),
    ),
  );
}

/** Deposit, withdraw and redeem (drawn once per view; each preview reads the latest figures). */
export function renderLenderActions(ctx: ActionContext & { data(): LenderData }): HTMLElement {
  const l = ctx.data();
  return h(
    "section",
    { class: "actions" },
    h("h3", {}, "Actions"),
    actionForm(ctx, {
      id: "deposit",
      label: `Deposit (${l.asset.symbol})`,
      unit: l.asset,
      prepare: (amount) => prepareVault(ctx, "deposit", amount!),
    }),
    actionForm(ctx, {
      id: "withdraw",
      label: `Withdraw (${l.asset.symbol})`,
      unit: l.asset,
      prepare: (amount) => prepareVault(ctx, "withdraw", amount!),
    }),
    actionForm(ctx, {
      id: "redeem",
      label: `Redeem (${l.shares.symbol})`,
      unit: l.shares,
      prepare: (amount) => prepareVault(ctx, "redeem", amount!),
    }),
  );
}

async function prepareVault(
  ctx: ActionContext & { data(): LenderData },
  call: "deposit" | "withdraw" | "redeem",
  amount: bigint,
) {
  const l = ctx.data();
  const me = l.lender;
  if (me === null) throw new Error("connect a wallet first: the vault's limits are per account");
  const at = { blockTag: l.blockNumber };
  const m = LendingMarket__factory.connect(l.market, ctx.provider);
  const a = (x: bigint) => formatAmount(x, l.asset.decimals, l.asset.symbol);
  const s = (x: bigint) => formatAmount(x, l.shares.decimals, l.shares.symbol);
  const who = me.address;
  let lines: string[];
  let max: bigint;
  let converted: bigint;
  if (call === "deposit") {
    converted = await m.previewDeposit(amount, at);
    max = me.maxDeposit;
    lines = [
      `previewDeposit: you receive ${s(converted)}`,
      `your shares ${s(me.shares)} → ${s(me.shares + converted)}`,
      ...(await fundsLines(ctx, l.asset, l.market, amount, l.blockNumber)),
      `calls deposit(${amount}, ${who})`,
    ];
  } else if (call === "withdraw") {
    converted = await m.previewWithdraw(amount, at);
    max = me.maxWithdraw;
    lines = [
      `previewWithdraw: burns ${s(converted)} for ${a(amount)}`,
      `your shares ${s(me.shares)} → ${s(me.shares > converted ? me.shares - converted : 0n)}`,
      `max withdraw ${a(max)} (your assets, capped by the market's cash ${a(l.cash)})`,
      `calls withdraw(${amount}, ${who}, ${who})`,
    ];
  } else {
    converted = await m.previewRedeem(amount, at);
    max = me.maxRedeem;
    lines = [
      `previewRedeem: ${s(amount)} pay ${a(converted)}`,
      `your shares ${s(me.shares)} → ${s(me.shares > amount ? me.shares - amount : 0n)}`,
      `max redeem ${s(max)}`,
      `calls redeem(${amount}, ${who}, ${who})`,
    ];
  }
  const refusal = vaultRefusal(call, who, amount, max, converted);
  return {
    lines: [`at block ${l.blockNumber}:`, ...lines],
    refusal: refusal === null ? undefined : errorText(refusal.name, refusal.args),
    warning:
      "Interest accrues until the transaction runs: a share is worth a little more then, so a deposit gets a " +
      "little fewer shares and a redeem a little more than previewed.",
    async send(signer: import("ethers").Signer, log: (line: string) => void) {
      const market = LendingMarket__factory.connect(l.market, signer);
      if (call === "deposit") {
        await ensureAllowance(signer, l.asset, l.market, amount, log);
        await transact(market, "deposit", [amount, who], "deposit", log);
      } else await transact(market, call, [amount, who, who], call, log);
    },
  };
}
