/**
 * At-risk list: every borrower of a market, paged through `MarketLens.positionsPage` (the market's borrower list
 * with their `PositionState`s, one oracle read per page), keeping the positions in the soft and hard zones, deepest
 * first. For keeper operators and risk teams.
 */
import type { Provider } from "ethers";
import { MarketLens__factory, Zone } from "../../src/frontend";
import { h } from "./dom";
import {
  formatAmount,
  formatPrice,
  formatTime,
  formatWadPercent,
  shortAddress,
  stepStatusName,
  zoneName,
} from "./format";
import type { Token } from "./markets";

/** Positions per lens call: a page costs roughly 10k gas each in the eth_call, well under node limits. */
const PAGE = 200;

export interface RiskRow {
  account: string;
  zone: Zone;
  collateral: bigint;
  debt: bigint;
  ltvWad: bigint;
  softLiquidationPriceWad: bigint;
  hardLiquidationPriceWad: bigint;
  nextSoftStepAt: bigint;
  stepStatus: number;
  stepRepaid: bigint;
  stepSeized: bigint;
}

export interface RiskSnapshot {
  blockNumber: number;
  timestamp: bigint;
  borrowers: number;
  rows: RiskRow[];
}

export async function readAtRisk(
  provider: Provider,
  lensAddress: string,
  market: string,
): Promise<RiskSnapshot> {
  const block = (await provider.getBlock("latest"))!;
  const at = { blockTag: block.number };
  const lens = MarketLens__factory.connect(lensAddress, provider);
  const rows: RiskRow[] = [];
  let borrowers = 0;
  for (let start = 0; ; start += PAGE) {
    const [accounts, states] = await lens.positionsPage(market, start, PAGE, at);
    borrowers += accounts.length;
    for (const [i, st] of states.entries()) {
      const zone = Number(st.zone) as Zone;
      if (zone !== Zone.Soft && zone !== Zone.Hard) continue;
      rows.push({
        account: accounts[i],
        zone,
        collateral: st.collateral,
        debt: st.debt,
        ltvWad: st.ltvWad,
        softLiquidationPriceWad: st.softLiquidationPriceWad,
        hardLiquidationPriceWad: st.hardLiquidationPriceWad,
        nextSoftStepAt: st.nextSoftStepAt,
        stepStatus: Number(st.step.status),
        stepRepaid: st.step.repaid,
        stepSeized: st.step.seized,
      });
    }
    if (accounts.length < PAGE) break;
  }
  rows.sort((a, b) => (a.ltvWad === b.ltvWad ? 0 : a.ltvWad > b.ltvWad ? -1 : 1));
  return { blockNumber: block.number, timestamp: BigInt(block.timestamp), borrowers, rows };
}

export function renderAtRisk(r: RiskSnapshot, collateral: Token, debt: Token, market: string): HTMLElement {
  const c = (x: bigint) => formatAmount(x, collateral.decimals, collateral.symbol);
  const d = (x: bigint) => formatAmount(x, debt.decimals, debt.symbol);
  const price = (x: bigint) => formatPrice(x, collateral.decimals, debt.decimals, debt.symbol);
  return h(
    "section",
    { class: "risk" },
    h("h2", {}, `At-risk positions (${r.rows.length} of ${r.borrowers} borrowers)`),
    h(
      "p",
      { class: "muted" },
      `Market ${market}, block `,
      h("span", { "data-testid": "risk-block" }, String(r.blockNumber)),
      `, ${formatTime(r.timestamp)}. Soft and hard zones, highest LTV first.`,
    ),
    r.rows.length === 0
      ? h("p", { "data-testid": "risk-empty" }, "No position is in the soft or hard zone.")
      : h(
          "table",
          { "data-testid": "risk-table" },
          h(
            "tr",
            {},
            [
              "Account",
              "Zone",
              "LTV",
              "Collateral",
              "Debt",
              "Soft / hard liq. price",
              "Step now",
              "Next soft step",
            ].map((t) => h("th", {}, t)),
          ),
          r.rows.map((row) =>
            h(
              "tr",
              {
                "data-testid": "risk-row",
                "data-account": row.account,
                class: row.zone === Zone.Hard ? "hard" : "soft",
              },
              h(
                "td",
                {},
                h("a", { href: `#/position/${row.account}`, title: row.account }, shortAddress(row.account)),
              ),
              h("td", {}, zoneName(row.zone)),
              h("td", { class: "num" }, formatWadPercent(row.ltvWad)),
              h("td", { class: "num" }, c(row.collateral)),
              h("td", { class: "num" }, d(row.debt)),
              h(
                "td",
                { class: "num" },
                `${price(row.softLiquidationPriceWad)} / ${price(row.hardLiquidationPriceWad)}`,
              ),
              h(
                "td",
                {},
                row.stepStatus === 0
                  ? `Ready: repay ${d(row.stepRepaid)} for ${c(row.stepSeized)}`
                  : stepStatusName(row.stepStatus),
              ),
              h("td", {}, row.nextSoftStepAt === 0n ? "—" : formatTime(row.nextSoftStepAt)),
            ),
          ),
        ),
  );
}
