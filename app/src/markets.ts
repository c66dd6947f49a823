/**
 * Markets panel: every market the factory lists, read with `MarketLens.marketSummary` (one call per market,
 * all at one block), with the oracle's freshness from its Chainlink feed and, when the oracle gives no usable
 * price, the oracle's own error (decoded) instead of a number.
 */
import type { Provider } from "ethers";
import {
  AggregatorV3Interface__factory,
  ChainlinkPriceOracle__factory,
  ERC20__factory,
  LendingMarket__factory,
  MarketFactory__factory,
  MarketLens__factory,
  type MarketLens,
} from "../../src/frontend";
import type { AppNetwork } from "./chain";
import { describeError } from "./errors";
import { field, h } from "./dom";
import {
  formatAmount,
  formatBps,
  formatDuration,
  formatPrice,
  formatTime,
  formatUnitsFixed,
  formatVolatility,
  formatWadPercent,
  oracleStatusName,
  shortAddress,
} from "./format";

export interface Token {
  address: string;
  symbol: string;
  decimals: number;
}

export interface OracleFreshness {
  feed: string;
  heartbeatSeconds: bigint;
  updatedAt: bigint;
  ageSeconds: bigint;
  stale: boolean;
}

export interface MarketInfo {
  address: string;
  summary: MarketLens.MarketSummaryStructOutput;
  collateral: Token;
  debt: Token;
  /** From the oracle's base feed (null when the oracle is not a ChainlinkPriceOracle). */
  freshness: OracleFreshness | null;
  /** Why the oracle gives no price (its decoded error), when it does not. */
  oracleProblem: string | null;
}

export interface MarketsSnapshot {
  blockNumber: number;
  timestamp: bigint;
  markets: MarketInfo[];
}

const tokenCache = new Map<string, Token>();

export async function readToken(address: string, provider: Provider): Promise<Token> {
  const cached = tokenCache.get(address);
  if (cached) return cached;
  const erc20 = ERC20__factory.connect(address, provider);
  const [symbol, decimals] = await Promise.all([erc20.symbol(), erc20.decimals()]);
  const token = { address, symbol, decimals: Number(decimals) };
  tokenCache.set(address, token);
  return token;
}

/** Every market of the deployment's factory, at the latest block. */
export async function readMarkets(network: AppNetwork, provider: Provider): Promise<MarketsSnapshot> {
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  const at = { blockTag: block.number };
  const factory = MarketFactory__factory.connect(network.deployment.addresses.factory, provider);
  const lens = MarketLens__factory.connect(network.deployment.addresses.lens, provider);
  const addresses = await factory.allMarkets(at);
  const markets = await Promise.all(
    addresses.map(async (address): Promise<MarketInfo> => {
      const summary = await lens.marketSummary(address, at);
      const [collateral, debt] = await Promise.all([
        readToken(summary.collateralToken, provider),
        readToken(summary.debtToken, provider),
      ]);
      const oracleAddress = await LendingMarket__factory.connect(address, provider).oracle(at);
      const oracle = ChainlinkPriceOracle__factory.connect(oracleAddress, provider);
      let freshness: OracleFreshness | null = null;
      try {
        const [feed, heartbeat] = await Promise.all([oracle.baseFeed(at), oracle.baseHeartbeatSeconds(at)]);
        const round = await AggregatorV3Interface__factory.connect(feed, provider).latestRoundData(at);
        const age = BigInt(block.timestamp) - round.updatedAt;
        freshness = {
          feed,
          heartbeatSeconds: heartbeat,
          updatedAt: round.updatedAt,
          ageSeconds: age,
          stale: age > heartbeat,
        };
      } catch {
        freshness = null; // not a ChainlinkPriceOracle, or its feed cannot be read
      }
      const oracleProblem = summary.oracleUsable
        ? null
        : await readOracleProblem(oracleAddress, provider, at);
      return { address, summary, collateral, debt, freshness, oracleProblem };
    }),
  );
  return { blockNumber: block.number, timestamp: BigInt(block.timestamp), markets };
}

/** Why an oracle gives no price: its own error, decoded (tryPrice hides the reason; priceWithStatus reverts with it). */
export async function readOracleProblem(
  oracleAddress: string,
  provider: Provider,
  at: { blockTag: number },
): Promise<string> {
  return ChainlinkPriceOracle__factory.connect(oracleAddress, provider)
    .priceWithStatus(at)
    .then(
      () => "unusable",
      (error: unknown) => describeError(error).replace(/^Reverted: /, ""),
    );
}

/** The oracle price as people should see it: a number only when the market can use it. */
export function priceText(m: MarketInfo): string {
  if (!m.summary.oracleUsable) return `unusable — ${m.oracleProblem ?? "no price"}`;
  const price = formatPrice(m.summary.spotPriceWad, m.collateral.decimals, m.debt.decimals, m.debt.symbol);
  return m.summary.oracleStatus === 0n ? price : `${price} (${oracleStatusName(m.summary.oracleStatus)})`;
}

export function renderMarkets(snapshot: MarketsSnapshot, open: (market: string) => void): HTMLElement {
  return h(
    "section",
    { class: "markets" },
    h("h2", {}, `Markets (${snapshot.markets.length})`),
    h(
      "p",
      { class: "muted" },
      "Block ",
      h("span", { "data-testid": "markets-block" }, String(snapshot.blockNumber)),
      `, ${formatTime(snapshot.timestamp)}`,
    ),
    snapshot.markets.map((m) => renderMarket(m)),
    snapshot.markets.length === 0 ? h("p", {}, "The factory lists no market.") : null,
    h(
      "p",
      {},
      snapshot.markets.map((m) =>
        h("button", { onclick: () => open(m.address) }, `At-risk positions of ${shortAddress(m.address)}`),
      ),
    ),
  );
}

function renderMarket(m: MarketInfo): HTMLElement {
  const s = m.summary;
  const p = s.params;
  const amount = (v: bigint) => formatAmount(v, m.debt.decimals, m.debt.symbol);
  const paceShare = s.paceCap === 0n ? 0n : (s.paceUsed * 10n ** 18n) / s.paceCap;
  const f = m.freshness;
  const freshness =
    f === null
      ? "unknown (not a Chainlink oracle)"
      : `${f.stale ? "STALE" : "fresh"}: updated ${formatDuration(f.ageSeconds)} ago (heartbeat ${formatDuration(f.heartbeatSeconds)})`;
  return h(
    "article",
    { class: "card", "data-testid": "market", "data-market": m.address },
    h("h3", {}, `${m.collateral.symbol} / ${m.debt.symbol}`, h("small", {}, ` ${m.address}`)),
    h(
      "dl",
      {},
      field(
        "Collateral token",
        `${m.collateral.symbol} (${m.collateral.decimals} decimals) ${m.collateral.address}`,
      ),
      field("Debt token", `${m.debt.symbol} (${m.debt.decimals} decimals) ${m.debt.address}`),
      field(
        `Oracle price (1 ${m.collateral.symbol})`,
        h("span", { class: s.oracleUsable ? "" : "bad" }, priceText(m)),
        "market-price",
      ),
      field("Oracle freshness", h("span", { class: f?.stale ? "bad" : "" }, freshness), "market-freshness"),
      field(
        "Smoothed price (wick filter)",
        formatPrice(s.emaPriceWad, m.collateral.decimals, m.debt.decimals, m.debt.symbol),
      ),
      field("Supplied / borrowed", `${amount(s.totalAssets)} / ${amount(s.totalDebt)}`),
      field("Utilisation", formatWadPercent(s.utilisationWad), "market-utilisation"),
      field(
        "Volatility estimate",
        `${formatVolatility(s.varianceWad)} a year (spacing ÷ and close factor × ${formatUnitsFixed(s.volMultiplierWad, 18, 2)})`,
        "market-volatility",
      ),
      field(
        "Zones (LTV)",
        `borrow up to ${formatBps(p.maxLtvBps)} · soft from ${formatBps(p.softLtvBps)} · hard from ${formatBps(p.hardLtvBps)} · soft steps target ${formatBps(p.targetLtvBps)}`,
        "market-zones",
      ),
      field(
        "Soft-step pace",
        `${amount(s.paceUsed)} of ${amount(s.paceCap)} used (${formatWadPercent(paceShare)}) in the ${formatDuration(p.paceWindowSeconds)} window`,
        "market-pace",
      ),
      field("Borrowers", String(s.borrowersCount)),
      field("Paused", s.paused ? "yes (borrowing and withdrawals stopped)" : "no"),
    ),
  );
}
