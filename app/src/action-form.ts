/**
 * What every action form shares: an amount, a Preview that shows what the call will do (and, when the market
 * would refuse it, the custom error it would revert with: Send then stays disabled), and Send, which approves
 * exactly what the call pulls when the allowance is short (never an unlimited approval), sends with gas headroom
 * and waits for the receipt. Failures are shown decoded (errors.ts), never as hex.
 */
import { parseUnits, type BaseContract, type Provider, type Signer } from "ethers";
import { ERC20__factory } from "../../src/frontend";
import { DEFAULT_GAS_HEADROOM_BPS, withHeadroom } from "../../src/keeper/txpolicy";
import type { Connected } from "./chain";
import { describeError } from "./errors";
import { h } from "./dom";
import { formatAmount } from "./format";
import type { Token } from "./markets";

export interface ActionContext {
  wallet(): Connected | null;
  /** Reads go through the page's provider, whether or not a wallet is connected. */
  provider: Provider;
  /** Re-reads the view and redraws it. */
  refresh(): Promise<void>;
}

/** A prepared action: the preview lines and what Send does. */
export interface Prepared {
  lines: string[];
  /** The error the market would revert with (as decoded errors read): Send stays disabled. */
  refusal?: string;
  warning?: string;
  send(signer: Signer, log: (line: string) => void): Promise<void>;
}

export interface ActionSpec {
  id: string;
  label: string;
  /** The unit the amount is typed in. */
  unit: { symbol: string; decimals: number };
  /** An empty amount is allowed (passed as null). */
  optionalAmount?: boolean;
  prepare(amount: bigint | null): Promise<Prepared>;
}

export function actionForm(ctx: ActionContext, spec: ActionSpec): HTMLElement {
  const { id, unit } = spec;
  const input = h("input", {
    type: "text",
    inputmode: "decimal",
    placeholder: `amount in ${unit.symbol}`,
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
    prepared = null;
    send.disabled = true;
    void (async () => {
      try {
        const text = input.value.trim();
        const amount = text === "" ? null : parseUnits(text, unit.decimals);
        if (amount === null && !spec.optionalAmount) throw new Error("enter an amount");
        const p = await spec.prepare(amount);
        preview.replaceChildren(
          h(
            "ul",
            {},
            p.lines.map((l) => h("li", {}, l)),
          ),
          ...(p.refusal === undefined
            ? []
            : [
                h(
                  "p",
                  { class: "bad", "data-testid": `${id}-refusal` },
                  `Refused before sending: ${p.refusal}`,
                ),
              ]),
          h("p", { class: "warn" }, p.warning ?? ""),
        );
        prepared = p;
        send.disabled = p.refusal !== undefined;
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
    h("label", {}, spec.label),
    h("div", { class: "row" }, input, previewButton, send),
    preview,
    result,
  );
}

/**
 * Sends `contract.name(...args)` with a gas limit of the node's estimate plus headroom, and waits for it to be
 * mined. Sent with the bare estimate (what ethers does for a key-holding signer), a call can run out of gas: the
 * estimate is made a moment before the block it runs in, and the market's gas depends on that block's time
 * (interest, the smoothed price, a volatility sample falling due), by a few units to over a thousand.
 * A call the market refuses fails here, at the estimate, with its decoded error.
 */
export async function transact(
  contract: BaseContract,
  name: string,
  args: unknown[],
  what: string,
  log: (l: string) => void,
): Promise<void> {
  const method = contract.getFunction(name);
  const estimate = await method.estimateGas(...args);
  const sent = await method.send(...args, { gasLimit: withHeadroom(estimate, DEFAULT_GAS_HEADROOM_BPS) });
  log(`${what}: sent ${sent.hash}`);
  const receipt = await sent.wait();
  log(`${what}: confirmed in block ${receipt?.blockNumber}`);
}

/** Approves exactly `amount` of `token` to `spender` if the signer's allowance is lower (never unlimited). */
export async function ensureAllowance(
  signer: Signer,
  token: Token,
  spender: string,
  amount: bigint,
  log: (l: string) => void,
): Promise<void> {
  const erc20 = ERC20__factory.connect(token.address, signer);
  if ((await erc20.allowance(await signer.getAddress(), spender)) >= amount) return;
  await transact(
    erc20,
    "approve",
    [spender, amount],
    `approve exactly ${formatAmount(amount, token.decimals, token.symbol)}`,
    log,
  );
}

/** The wallet's balance and allowance for a call that pulls `amount` of `token` (at `blockNumber`). */
export async function fundsLines(
  ctx: ActionContext,
  token: Token,
  spender: string,
  amount: bigint,
  blockNumber: number,
): Promise<string[]> {
  const wallet = ctx.wallet();
  if (wallet === null) return ["connect a wallet to see your balance and allowance"];
  const erc20 = ERC20__factory.connect(token.address, ctx.provider);
  const at = { blockTag: blockNumber };
  const [balance, allowance] = await Promise.all([
    erc20.balanceOf(wallet.address, at),
    erc20.allowance(wallet.address, spender, at),
  ]);
  const f = (x: bigint) => formatAmount(x, token.decimals, token.symbol);
  return [
    `your balance: ${f(balance)}` + (balance < amount ? " — not enough" : ""),
    allowance >= amount
      ? `allowance for the market: ${f(allowance)}, covers it`
      : `allowance for the market: ${f(allowance)}; Send first approves exactly ${f(amount)} (not unlimited)`,
  ];
}
