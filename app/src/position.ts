/**
 * Position panel: reads one position the way the package's README shows (`readMarket` + `readPosition` at one
 * block, then `describePosition`, which returns exactly what the lens's `positionState` would), draws its
 * LTV on a gauge with the max / soft / hard bands, and charts its LTV over time from the market's events with
 * every liquidation step marked.
 *
 * The chart calls `MarketLens.positionState` at past blocks (the blocks of the position's events and of the market's price
 * updates): the local node answers for any block; on a public chain that needs an archive RPC endpoint, and a
 * dashboard with many users would index the events instead.
 */
import { type Provider } from "ethers";
import {
  describePosition,
  LendingMarket__factory,
  MarketLens__factory,
  readBorrowerBooks,
  readMarket,
  readPosition,
  StepStatus,
  WAD,
  Zone,
  type BorrowerBooks,
  type MarketSnapshot,
  type PositionView,
} from "../../src/frontend";
import type { AppNetwork } from "./chain";
import { field, h, s } from "./dom";
import {
  formatAmount,
  formatBps,
  formatDuration,
  formatPrice,
  formatTime,
  formatWadPercent,
  STEP_STATUS_TEXT,
  stepStatusName,
  zoneName,
} from "./format";
import { readOracleProblem, readToken, type Token } from "./markets";
import { outlook } from "./outlook";

/** One LiquidationStepped event of the position. */
export interface StepEvent {
  blockNumber: number;
  timestamp: bigint;
  transactionHash: string;
  keeper: string;
  zone: Zone;
  repaid: bigint;
  seized: bigint;
  incentiveWad: bigint;
  tip: bigint;
  ltvBeforeWad: bigint;
  ltvAfterWad: bigint;
}

/** One line of the position's history. */
export interface HistoryItem {
  blockNumber: number;
  /** The event's position in its block. */
  logIndex: number;
  timestamp: bigint;
  what: string;
  detail: string;
  step?: StepEvent;
}

/** The position's LTV at the end of a block (MarketLens.positionState at that block). */
export interface LtvSample {
  blockNumber: number;
  timestamp: bigint;
  ltvWad: bigint;
}

export interface PositionData {
  market: MarketSnapshot & { blockNumber: number; address: string };
  account: string;
  collateral: Token;
  debt: Token;
  view: PositionView;
  /** What the action previews check: stored position, cash, borrow index, pause (same block). */
  books: BorrowerBooks;
  /** The oracle's own error when it gives no price (null when it does). */
  oracleProblem: string | null;
  history: HistoryItem[];
  steps: StepEvent[];
  samples: LtvSample[];
}

/** The chart keeps the most recent samples only. */
const MAX_SAMPLES = 120;

export async function readPositionData(
  network: AppNetwork,
  provider: Provider,
  marketAddress: string,
  account: string,
): Promise<PositionData> {
  const fromBlock = network.deployment.startBlock;
  // Everything at one block: the helpers then agree with each other and with the contract's views.
  const market = await readMarket(marketAddress, provider);
  const position = await readPosition(marketAddress, account, provider, market.blockNumber, fromBlock);
  const view = describePosition(market, position);
  const [books, oracleProblem] = await Promise.all([
    readBorrowerBooks(marketAddress, account, provider, market.blockNumber),
    market.oracleUsable
      ? null
      : LendingMarket__factory.connect(marketAddress, provider)
          .oracle({ blockTag: market.blockNumber })
          .then((o) => readOracleProblem(o, provider, { blockTag: market.blockNumber })),
  ]);

  const contract = LendingMarket__factory.connect(marketAddress, provider);
  const lens = MarketLens__factory.connect(network.deployment.addresses.lens, provider);
  const to = market.blockNumber;
  const [collateral, debt, supplied, withdrawn, borrowed, repaid, stepped, priceUpdates] = await Promise.all([
    contract.collateralToken().then((a) => readToken(a, provider)),
    contract.asset().then((a) => readToken(a, provider)),
    contract.queryFilter(contract.filters.CollateralSupplied(undefined, account), fromBlock, to),
    contract.queryFilter(contract.filters.CollateralWithdrawn(account), fromBlock, to),
    contract.queryFilter(contract.filters.Borrowed(account), fromBlock, to),
    contract.queryFilter(contract.filters.Repaid(undefined, account), fromBlock, to),
    contract.queryFilter(contract.filters.LiquidationStepped(account), fromBlock, to),
    contract.queryFilter(contract.filters.PriceStateUpdated(), fromBlock, to),
  ]);

  const times = new Map<number, bigint>();
  const timeOf = async (blockNumber: number): Promise<bigint> => {
    if (!times.has(blockNumber))
      times.set(blockNumber, BigInt((await provider.getBlock(blockNumber))!.timestamp));
    return times.get(blockNumber)!;
  };
  const c = (v: bigint) => formatAmount(v, collateral.decimals, collateral.symbol);
  const d = (v: bigint) => formatAmount(v, debt.decimals, debt.symbol);

  const steps: StepEvent[] = [];
  for (const e of stepped) {
    const a = e.args;
    steps.push({
      blockNumber: e.blockNumber,
      timestamp: await timeOf(e.blockNumber),
      transactionHash: e.transactionHash,
      keeper: a.keeper,
      zone: Number(a.zone) as Zone,
      repaid: a.repaid,
      seized: a.seized,
      incentiveWad: a.incentiveWad,
      tip: a.tip,
      ltvBeforeWad: a.ltvBeforeWad,
      ltvAfterWad: a.ltvAfterWad,
    });
  }
  const history: HistoryItem[] = [];
  const add = async (blockNumber: number, logIndex: number, what: string, detail: string, step?: StepEvent) =>
    history.push({ blockNumber, logIndex, timestamp: await timeOf(blockNumber), what, detail, step });
  for (const e of supplied) await add(e.blockNumber, e.index, "Collateral added", c(e.args.amount));
  for (const e of withdrawn) await add(e.blockNumber, e.index, "Collateral withdrawn", c(e.args.amount));
  for (const e of borrowed) await add(e.blockNumber, e.index, "Borrowed", d(e.args.assets));
  for (const e of repaid) await add(e.blockNumber, e.index, "Repaid", d(e.args.assets));
  for (const [i, e] of stepped.entries()) {
    const st = steps[i];
    await add(
      e.blockNumber,
      e.index,
      `Liquidation step (${zoneName(st.zone)})`,
      `repaid ${d(st.repaid)}, seized ${c(st.seized)}; LTV ${formatWadPercent(st.ltvBeforeWad)} → ${formatWadPercent(st.ltvAfterWad)}`,
      st,
    );
  }
  history.sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);

  // LTV samples: blocks where the position or the market's price state changed, and this block.
  const first = history[0]?.blockNumber ?? to;
  const blocks = new Set<number>(history.map((x) => x.blockNumber));
  for (const e of priceUpdates) if (e.blockNumber >= first) blocks.add(e.blockNumber);
  blocks.add(to);
  const sampleBlocks = [...blocks].sort((x, y) => x - y).slice(-MAX_SAMPLES);
  const samples: LtvSample[] = [];
  for (const blockNumber of sampleBlocks) {
    const st = await lens.positionState(marketAddress, account, { blockTag: blockNumber });
    if (Number(st.zone) === Zone.None) continue; // no debt, or no usable price at that block
    samples.push({ blockNumber, timestamp: await timeOf(blockNumber), ltvWad: st.ltvWad });
  }
  return {
    market: { ...market, address: marketAddress },
    account,
    collateral,
    debt,
    view,
    books,
    oracleProblem,
    history,
    steps,
    samples,
  };
}

export function renderPosition(p: PositionData): HTMLElement {
  const v = p.view;
  const params = p.market.params;
  const c = (x: bigint) => formatAmount(x, p.collateral.decimals, p.collateral.symbol);
  const d = (x: bigint) => formatAmount(x, p.debt.decimals, p.debt.symbol);
  const price = (x: bigint) => formatPrice(x, p.collateral.decimals, p.debt.decimals, p.debt.symbol);
  const usable = p.market.oracleUsable;
  const now = p.market.timestamp;
  let next: string;
  if (v.debt === 0n) next = "—";
  else if (v.nextSoftStepAt === 0n) next = "no spacing constraint (never stepped)";
  else if (v.nextSoftStepAt <= now) next = `spacing passed at ${formatTime(v.nextSoftStepAt)}`;
  else next = `${formatTime(v.nextSoftStepAt)} (in ${formatDuration(v.nextSoftStepAt - now)})`;
  const step = v.step;
  const largest =
    step.status === StepStatus.Ready
      ? `repay ${d(step.repaid)} for ${c(step.seized)} (incentive ${formatWadPercent(step.incentiveWad)}, tip ${d(step.tip)}); LTV after ${formatWadPercent(step.ltvAfterWad)}`
      : "none now";

  return h(
    "section",
    { class: "position" },
    h("h2", {}, "Position ", h("code", {}, p.account)),
    h(
      "p",
      { class: "muted" },
      `Market ${p.market.address}, block `,
      h("span", { "data-testid": "position-block" }, String(p.market.blockNumber)),
      `, ${formatTime(now)}. Oracle price: `,
      usable ? price(p.market.spotPriceWad) : h("span", { class: "bad" }, "unusable (no price)"),
    ),
    h(
      "div",
      { class: "outlook", "data-testid": "position-outlook" },
      h("h3", {}, "What happens next at this price"),
      outlook(p).map((line) => h("p", {}, line)),
    ),
    h(
      "div",
      { class: "columns" },
      h(
        "dl",
        {},
        field("Collateral", c(v.collateral), "position-collateral"),
        field("Debt", d(v.debt), "position-debt"),
        field("LTV", usable ? formatWadPercent(v.ltvWad) : "— (no usable price)", "position-ltv"),
        field("Zone", usable ? zoneName(v.zone) : "unknown (no usable price)", "position-zone"),
        field("Soft liquidation price", price(v.softLiquidationPriceWad), "position-soft-price"),
        field("Hard liquidation price", price(v.hardLiquidationPriceWad), "position-hard-price"),
        field(
          "Step now",
          `${stepStatusName(step.status)}: ${STEP_STATUS_TEXT[step.status]}`,
          "position-step-status",
        ),
        field("Next soft step", next, "position-next-step"),
        field("Largest step now", largest, "position-largest-step"),
      ),
      h(
        "div",
        {},
        gauge(usable ? v.ltvWad : null, params.maxLtvBps, params.softLtvBps, params.hardLtvBps),
        h(
          "p",
          { class: "muted" },
          `Bands: borrow up to ${formatBps(params.maxLtvBps)}, soft zone from ${formatBps(params.softLtvBps)}, hard zone from ${formatBps(params.hardLtvBps)}.`,
        ),
      ),
    ),
    h("h3", {}, "LTV over time"),
    chart(p),
    h("h3", {}, "History"),
    p.history.length === 0
      ? h("p", {}, "No events for this account.")
      : h(
          "table",
          { "data-testid": "history" },
          h("tr", {}, h("th", {}, "Block"), h("th", {}, "Time"), h("th", {}, "Event"), h("th", {}, "Detail")),
          p.history.map((x) =>
            h(
              "tr",
              { "data-testid": x.step ? "history-step" : "history-row" },
              h("td", {}, String(x.blockNumber)),
              h("td", {}, formatTime(x.timestamp)),
              h("td", {}, x.what),
              h("td", {}, x.detail),
            ),
          ),
        ),
  );
}

/** Bps and WAD on one axis: percent as a number (for drawing only). */
const pct = (wad: bigint) => Number((wad * 10_000n) / WAD) / 100;
const pctBps = (bps: bigint) => Number(bps) / 100;

/**
 * Horizontal LTV gauge from 40 % (or 0 % for a lower LTV) to 100 %: borrowing allowed up to max, then above the
 * borrow limit, the soft zone and the hard zone. An LTV beyond the scale is pinned to its end.
 */
function gauge(ltvWad: bigint | null, maxBps: bigint, softBps: bigint, hardBps: bigint): SVGElement {
  const W = 560;
  const lo = ltvWad !== null && pct(ltvWad) < 40 ? 0 : 40;
  const x = (percent: number) => ((Math.min(Math.max(percent, lo), 100) - lo) / (100 - lo)) * W;
  const band = (from: number, to: number, cls: string, label: string) =>
    s("rect", { x: x(from), y: 10, width: x(to) - x(from), height: 24, class: cls }, s("title", {}, label));
  const max = pctBps(maxBps);
  const soft = pctBps(softBps);
  const hard = pctBps(hardBps);
  return s(
    "svg",
    { viewBox: `-20 0 ${W + 40} 72`, width: W + 40, height: 72, "data-testid": "gauge" },
    band(lo, max, "band-ok", `${lo} – ${max} %: borrowing allowed`),
    band(max, soft, "band-max", `${max} – ${soft} %: above the borrow limit`),
    band(soft, hard, "band-soft", `${soft} – ${hard} %: soft zone (gradual steps)`),
    band(hard, 100, "band-hard", `from ${hard} %: hard zone (closed at once)`),
    [lo, max, soft, hard, 100].map((t) => s("text", { x: x(t), y: 47, class: "tick" }, `${t}%`)),
    ltvWad === null
      ? s("text", { x: W / 2, y: 66, class: "tick" }, "no usable price")
      : [
          s("line", { x1: x(pct(ltvWad)), x2: x(pct(ltvWad)), y1: 4, y2: 38, class: "needle" }),
          s("text", { x: x(pct(ltvWad)), y: 66, class: "needle-label" }, `LTV ${formatWadPercent(ltvWad)}`),
        ],
  );
}

/** LTV over time with the max / soft / hard lines, and each liquidation step drawn from its LTV before to after. */
function chart(p: PositionData): SVGElement | HTMLElement {
  const { samples, steps } = p;
  if (samples.length === 0 && steps.length === 0) return h("p", {}, "No LTV history (no debt so far).");
  const W = 640;
  const H = 220;
  const pad = { left: 44, right: 12, top: 10, bottom: 24 };
  const times = [...samples.map((x) => Number(x.timestamp)), ...steps.map((x) => Number(x.timestamp))];
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const top = Math.max(
    100,
    ...samples.map((x) => Math.min(pct(x.ltvWad), 200)),
    ...steps.map((x) => Math.min(pct(x.ltvBeforeWad), 200)),
  );
  const X = (t: number) => pad.left + ((t - t0) / (t1 - t0)) * (W - pad.left - pad.right);
  const Y = (percent: number) => pad.top + (1 - Math.min(percent, top) / top) * (H - pad.top - pad.bottom);
  const threshold = (bps: bigint, cls: string, label: string) => [
    s("line", { x1: pad.left, x2: W - pad.right, y1: Y(pctBps(bps)), y2: Y(pctBps(bps)), class: cls }),
    s("text", { x: W - pad.right - 4, y: Y(pctBps(bps)) - 3, class: "tick end" }, `${label} ${pctBps(bps)}%`),
  ];
  const points = samples.map((x) => `${X(Number(x.timestamp)).toFixed(1)},${Y(pct(x.ltvWad)).toFixed(1)}`);
  return s(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, width: W, height: H, "data-testid": "chart" },
    s("rect", {
      x: pad.left,
      y: pad.top,
      width: W - pad.left - pad.right,
      height: H - pad.top - pad.bottom,
      class: "plot",
    }),
    threshold(p.market.params.maxLtvBps, "line-max", "max"),
    threshold(p.market.params.softLtvBps, "line-soft", "soft"),
    threshold(p.market.params.hardLtvBps, "line-hard", "hard"),
    [0, top / 2, top].map((v) =>
      s("text", { x: pad.left - 4, y: Y(v) + 4, class: "tick end" }, `${v.toFixed(0)}%`),
    ),
    s("text", { x: pad.left, y: H - 6, class: "tick start" }, formatTime(t0)),
    s("text", { x: W - pad.right, y: H - 6, class: "tick end" }, formatTime(t1)),
    s("polyline", { points: points.join(" "), class: "ltv" }),
    samples.map((x) =>
      s(
        "circle",
        { cx: X(Number(x.timestamp)), cy: Y(pct(x.ltvWad)), r: 2, class: "sample" },
        s("title", {}, `block ${x.blockNumber}: ${formatWadPercent(x.ltvWad)}`),
      ),
    ),
    steps.map((st) =>
      s(
        "g",
        { "data-testid": "chart-step", class: "step" },
        s("line", {
          x1: X(Number(st.timestamp)),
          x2: X(Number(st.timestamp)),
          y1: Y(pct(st.ltvBeforeWad)),
          y2: Y(pct(st.ltvAfterWad)),
        }),
        s("circle", { cx: X(Number(st.timestamp)), cy: Y(pct(st.ltvAfterWad)), r: 5 }),
        s(
          "title",
          {},
          `step in block ${st.blockNumber} (${zoneName(st.zone)}): LTV ${formatWadPercent(st.ltvBeforeWad)} → ${formatWadPercent(st.ltvAfterWad)}`,
        ),
      ),
    ),
  );
}
