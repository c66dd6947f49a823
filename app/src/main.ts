/**
 * The page: a header (network, market, wallet) and three views chosen by the URL hash:
 *   #/markets            every market of the factory (markets.ts)
 *   #/position/<address> one position, its chart and history, and the actions (position.ts, actions.ts)
 *   #/risk               positions in the soft and hard zones (risk.ts)
 *   #/lend               the market's vault: deposit, withdraw, redeem (lend.ts)
 * Every figure is read from the chain; the views redraw when a new block arrives.
 */
import "./style.css";
import { getAddress, isAddress, type Provider } from "ethers";
import { LendingMarket__factory, MarketFactory__factory } from "../../src/frontend";
import { renderActions } from "./actions";
import {
  connectDevKey,
  connectInjected,
  LOCAL_CHAIN_ID,
  loadNetworks,
  readProvider,
  type AppNetwork,
  type Connected,
} from "./chain";
import { h } from "./dom";
import { describeError } from "./errors";
import { readMarkets, readToken, renderMarkets } from "./markets";
import { readPositionData, renderPosition, type PositionData } from "./position";
import { readLender, renderLender, renderLenderActions, type LenderData } from "./lend";
import { readAtRisk, renderAtRisk } from "./risk";

interface State {
  networks: AppNetwork[];
  network: AppNetwork | null;
  provider: Provider | null;
  markets: string[];
  market: string | null;
  wallet: Connected | null;
  lastBlock: number;
  /** Redraws the current view's data (set by each view). */
  refresh: (() => Promise<void>) | null;
}

const state: State = {
  networks: [],
  network: null,
  provider: null,
  markets: [],
  market: null,
  wallet: null,
  lastBlock: -1,
  refresh: null,
};

const header = document.getElementById("header")!;
const main = document.getElementById("main")!;

async function selectNetwork(network: AppNetwork): Promise<void> {
  state.network = network;
  state.wallet = null;
  state.provider = await readProvider(network);
  state.markets = [
    ...(await MarketFactory__factory.connect(
      network.deployment.addresses.factory,
      state.provider,
    ).allMarkets()),
  ];
  state.market = state.markets.includes(network.deployment.addresses.market)
    ? network.deployment.addresses.market
    : (state.markets[0] ?? null);
}

function renderHeader(): void {
  const net = state.network;
  const networkSelect = h(
    "select",
    { "data-testid": "network" },
    state.networks.map((n, i) =>
      h("option", { value: i, selected: n === net }, `${n.name} (chain ${n.chainId})`),
    ),
  );
  networkSelect.addEventListener("change", () => {
    void selectNetwork(state.networks[Number(networkSelect.value)]).then(render, showError);
  });
  const marketSelect = h(
    "select",
    { "data-testid": "market" },
    state.markets.map((m) => h("option", { value: m, selected: m === state.market }, m)),
  );
  marketSelect.addEventListener("change", () => {
    state.market = marketSelect.value;
    void render();
  });
  const wallet = state.wallet;
  const connectButtons = [
    h(
      "button",
      {
        disabled: window.ethereum === undefined,
        title: window.ethereum === undefined ? "no injected wallet in this browser" : undefined,
        "data-testid": "connect-wallet",
        onclick: () => connect(() => connectInjected(net!)),
      },
      "Connect wallet",
    ),
    net?.chainId === LOCAL_CHAIN_ID
      ? h(
          "button",
          {
            class: "dev",
            "data-testid": "dev-key",
            onclick: () => connect(() => connectDevKey(net, state.provider!)),
          },
          "Use development key",
        )
      : null,
  ];
  header.replaceChildren(
    h(
      "div",
      {},
      h(
        "div",
        { class: "bar" },
        h("strong", {}, "Gradual-liquidation markets"),
        h("label", {}, "Network ", networkSelect),
        h("label", {}, "Market ", marketSelect),
        h(
          "nav",
          {},
          h("a", { href: "#/markets" }, "Markets"),
          h("a", { href: "#/position/" }, "Position"),
          h("a", { href: "#/risk" }, "At risk"),
          h("a", { href: "#/lend" }, "Lend"),
        ),
        h(
          "span",
          { class: "wallet", "data-testid": "wallet" },
          wallet === null
            ? connectButtons
            : `${wallet.kind === "dev-key" ? "Development key" : "Wallet"} ${wallet.address}`,
        ),
      ),
      wallet?.kind === "dev-key"
        ? h(
            "p",
            { class: "dev-banner", "data-testid": "dev-banner" },
            `DEVELOPMENT KEY MODE — signing with Hardhat account #0 (${wallet.address}), whose private key is public. ` +
              `Local chain ${LOCAL_CHAIN_ID} only; never send real funds to it.`,
          )
        : null,
    ),
  );
}

function connect(how: () => Promise<Connected>): void {
  void how().then((wallet) => {
    state.wallet = wallet;
    return render();
  }, showError);
}

function showError(error: unknown): void {
  main.replaceChildren(h("p", { class: "bad", "data-testid": "page-error" }, describeError(error)));
}

async function render(): Promise<void> {
  renderHeader();
  state.refresh = null;
  const net = state.network;
  const provider = state.provider;
  if (net === null || provider === null) {
    main.replaceChildren(h("p", {}, "No network: start the page with `npm run app`, or add a deployment."));
    return;
  }
  const [view, arg] = window.location.hash.replace(/^#\/?/, "").split("/");
  main.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    if (view === "position") await renderPositionView(net, provider, arg ?? "");
    else if (view === "risk") await renderRiskView(net, provider);
    else if (view === "lend") await renderLendView(provider);
    else await renderMarketsView(net, provider);
    state.lastBlock = await provider.getBlockNumber();
  } catch (error) {
    showError(error);
  }
}

async function renderMarketsView(net: AppNetwork, provider: Provider): Promise<void> {
  const draw = async () => {
    const snapshot = await readMarkets(net, provider);
    main.replaceChildren(
      renderMarkets(snapshot, (market) => {
        state.market = market;
        window.location.hash = "#/risk";
      }),
    );
  };
  await draw();
  state.refresh = draw;
}

async function renderRiskView(net: AppNetwork, provider: Provider): Promise<void> {
  const market = state.market;
  if (market === null) throw new Error("the factory lists no market");
  const m = LendingMarket__factory.connect(market, provider);
  const [collateral, debt] = await Promise.all([
    m.collateralToken().then((a) => readToken(a, provider)),
    m.asset().then((a) => readToken(a, provider)),
  ]);
  const draw = async () => {
    const snapshot = await readAtRisk(provider, net.deployment.addresses.lens, market);
    main.replaceChildren(renderAtRisk(snapshot, collateral, debt, market));
  };
  await draw();
  state.refresh = draw;
}

async function renderLendView(provider: Provider): Promise<void> {
  const market = state.market;
  if (market === null) throw new Error("the factory lists no market");
  let data: LenderData = await readLender(provider, market, state.wallet?.address ?? null);
  const dataPart = h("div", {}, renderLender(data));
  const draw = async () => {
    data = await readLender(provider, market, state.wallet?.address ?? null);
    dataPart.replaceChildren(renderLender(data));
  };
  const ctx = { data: () => data, wallet: () => state.wallet, provider, refresh: draw };
  main.replaceChildren(dataPart, renderLenderActions(ctx));
  state.refresh = draw;
}

async function renderPositionView(net: AppNetwork, provider: Provider, account: string): Promise<void> {
  const market = state.market;
  if (market === null) throw new Error("the factory lists no market");
  const input = h("input", {
    type: "text",
    value: account,
    placeholder: "0x… any address",
    size: 44,
    "data-testid": "account",
  });
  const borrowers = await LendingMarket__factory.connect(market, provider).borrowersSlice(0, 50);
  const form = h(
    "form",
    { class: "row" },
    h("label", {}, "Account ", input),
    h(
      "datalist",
      { id: "borrowers" },
      borrowers.map((b) => h("option", { value: b })),
    ),
    h("button", { type: "submit" }, "Open"),
  );
  input.setAttribute("list", "borrowers");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.location.hash = `#/position/${input.value.trim()}`;
  });
  if (!isAddress(account)) {
    main.replaceChildren(
      form,
      h("p", {}, account === "" ? "Enter an address, or pick a borrower." : `Not an address: ${account}`),
    );
    return;
  }
  const address = getAddress(account);
  let data: PositionData = await readPositionData(net, provider, market, address);
  const dataPart = h("div", {}, renderPosition(data));
  const draw = async () => {
    data = await readPositionData(net, provider, market, address);
    dataPart.replaceChildren(renderPosition(data));
  };
  const actions = renderActions({ data: () => data, wallet: () => state.wallet, provider, refresh: draw });
  main.replaceChildren(form, dataPart, actions);
  state.refresh = draw;
}

/** Redraws the current view when a new block arrives (the local node mines one per transaction). */
async function poll(): Promise<void> {
  try {
    if (state.provider !== null && state.refresh !== null) {
      const block = await state.provider.getBlockNumber();
      if (block !== state.lastBlock) {
        state.lastBlock = block;
        await state.refresh();
      }
    }
  } catch {
    // a transient RPC failure: try again on the next tick
  }
  setTimeout(() => void poll(), 2_000);
}

async function start(): Promise<void> {
  state.networks = await loadNetworks();
  if (state.networks.length > 0) await selectNetwork(state.networks[0]);
  window.addEventListener("hashchange", () => void render());
  await render();
  void poll();
}

start().catch(showError);
