import { expect } from "chai";
import {
  chainIdMismatch,
  DEFAULTS,
  parseCliArgs,
  redactUrl,
  resolveConfig,
  type ConfigResult,
  type KeeperConfig,
} from "../../../src/keeper/config";

const KEY = "0x" + "11".repeat(32);
const FACTORY = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707";
const MARKET = "0x61c36a8d610163660E21a8b7359e1Cac0C9133e1";
const BASE_ENV = {
  KEEPER_RPC_URL: "http://127.0.0.1:8545",
  KEEPER_PRIVATE_KEY: KEY,
  KEEPER_FACTORY: FACTORY,
};

function ok(r: ConfigResult): KeeperConfig {
  if (!r.ok) throw new Error(`expected a valid config, got: ${r.errors.join("; ")}`);
  return r.config;
}

function errors(r: ConfigResult): string[] {
  if (r.ok) throw new Error("expected errors");
  return r.errors;
}

describe("keeper config", () => {
  describe("resolveConfig", () => {
    it("fills every default when only the required settings are given", () => {
      const c = ok(resolveConfig({ env: BASE_ENV }));
      expect(c.network).to.equal("localhost");
      expect(c.chainId).to.equal(31_337);
      expect(c.factory).to.equal(FACTORY);
      expect(c.pageSize).to.equal(DEFAULTS.pageSize);
      expect(c.evaluation).to.equal("local");
      expect(c.minProfit).to.equal(0n);
      expect(c.metricsPort).to.equal(9_464);
      expect(c.dryRun).to.equal(false);
    });

    it("lets environment variables override the file and command-line flags override both", () => {
      const c = ok(
        resolveConfig({
          file: {
            ...{ rpcUrl: "http://file:1", factory: FACTORY, privateKey: KEY },
            pageSize: 100,
            maxInFlight: 2,
          },
          env: { KEEPER_PAGE_SIZE: "200", KEEPER_MIN_PROFIT: "5000000" },
          cli: parseCliArgs(["--page-size", "300", "--dry-run"]),
        }),
      );
      expect(c.rpcUrl).to.equal("http://file:1");
      expect(c.maxInFlight).to.equal(2);
      expect(c.pageSize).to.equal(300);
      expect(c.minProfit).to.equal(5_000_000n);
      expect(c.dryRun).to.equal(true);
    });

    it("reports a missing RPC URL, key and factory together", () => {
      const e = errors(resolveConfig({ env: {} }));
      expect(e).to.have.length(3);
      expect(e[0]).to.match(/rpcUrl is missing/);
      expect(e[1]).to.match(/privateKey is missing/);
      expect(e[2]).to.match(/factory is missing/);
    });

    it("accepts a missing key in dry-run mode", () => {
      const c = ok(
        resolveConfig({ env: { ...BASE_ENV, KEEPER_PRIVATE_KEY: undefined, KEEPER_DRY_RUN: "true" } }),
      );
      expect(c.privateKey).to.equal(undefined);
    });

    it("rejects a non-http RPC URL, naming the variable", () => {
      for (const url of ["127.0.0.1:8545", "ws://127.0.0.1:8545", "http://", "not a url"]) {
        expect(errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_RPC_URL: url } }))[0]).to.match(
          /^KEEPER_RPC_URL: .* is not an http\(s\) URL$/,
        );
      }
    });

    it("rejects a malformed private key without echoing it", () => {
      const bad = "0x" + "ab".repeat(31);
      const [e] = errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_PRIVATE_KEY: bad } }));
      expect(e).to.equal("KEEPER_PRIVATE_KEY: not a 0x-prefixed 32-byte hex private key");
      expect(e).not.to.contain(bad);
      expect(
        errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_PRIVATE_KEY: "0x" + "0".repeat(64) } })),
      ).to.have.length(1);
    });

    it("rejects an unknown network and lists the known ones", () => {
      const [e] = errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_NETWORK: "goerli" } }));
      expect(e).to.match(/unknown network "goerli" \(known: mainnet, sepolia/);
    });

    it("rejects a chain id that contradicts the named network", () => {
      const [e] = errors(
        resolveConfig({ env: { ...BASE_ENV, KEEPER_NETWORK: "mainnet", KEEPER_CHAIN_ID: "10" } }),
      );
      expect(e).to.equal('KEEPER_CHAIN_ID: chain id 10 does not match network "mainnet" (1)');
    });

    it("takes the chain id of a custom network from KEEPER_CHAIN_ID, and requires it", () => {
      expect(
        ok(resolveConfig({ env: { ...BASE_ENV, KEEPER_NETWORK: "custom", KEEPER_CHAIN_ID: "777" } })).chainId,
      ).to.equal(777);
      expect(errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_NETWORK: "custom" } }))[0]).to.match(
        /needs chainId/,
      );
    });

    it("requires a lens for the full and screened evaluations (they call MarketLens.positionStates)", () => {
      for (const mode of ["full", "screened"]) {
        expect(errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_EVALUATION: mode } }))).to.deep.equal([
          `evaluation "${mode}" needs lens (set KEEPER_LENS to the MarketLens address)`,
        ]);
      }
      const lens = "0x0165878A594ca255338adfa4d48449f69242Eb8F";
      const c = ok(resolveConfig({ env: { ...BASE_ENV, KEEPER_EVALUATION: "full", KEEPER_LENS: lens } }));
      expect([c.evaluation, c.lens]).to.deep.equal(["full", lens]);
      expect(ok(resolveConfig({ env: BASE_ENV })).lens).to.equal(undefined);
      expect(errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_LENS: "0x1234" } }))).to.deep.equal([
        'KEEPER_LENS: "0x1234" is not an address',
      ]);
    });

    it("rejects bad numbers, booleans, addresses and enums with the offending source", () => {
      const e = errors(
        resolveConfig({
          env: {
            ...BASE_ENV,
            KEEPER_PAGE_SIZE: "0",
            KEEPER_MAX_IN_FLIGHT: "many",
            KEEPER_ACT_ON_HARD_ZONE: "maybe",
            KEEPER_FACTORY: "0x1234",
            KEEPER_EVALUATION: "fast",
            KEEPER_MIN_PROFIT: "-1",
          },
        }),
      );
      expect(e).to.have.members([
        'KEEPER_FACTORY: "0x1234" is not an address',
        'KEEPER_MIN_PROFIT: "-1" is not a non-negative integer (use a decimal string)',
        'KEEPER_EVALUATION: must be "local", "full" or "screened", not "fast"',
        "KEEPER_PAGE_SIZE: 0 is out of range [1, 10000]",
        'KEEPER_MAX_IN_FLIGHT: "many" is not an integer',
        'KEEPER_ACT_ON_HARD_ZONE: "maybe" is not a boolean (true/false)',
      ]);
    });

    it("rejects unknown settings in the file", () => {
      expect(errors(resolveConfig({ env: BASE_ENV, file: { pagesize: 3 } }))).to.deep.equal([
        'config file "pagesize": unknown setting "pagesize"',
      ]);
    });

    it("rejects a fee cap below the priority-fee floor and a replacement bump under 10 %", () => {
      const e = errors(
        resolveConfig({ env: { ...BASE_ENV, KEEPER_MAX_FEE_PER_GAS_WEI: "1", KEEPER_FEE_BUMP_BPS: "500" } }),
      );
      expect(e).to.deep.equal([
        "KEEPER_FEE_BUMP_BPS: 500 is out of range [1000, 100000]",
        "maxFeePerGasWei (1) is below priorityFeeWei (1000000000)",
      ]);
    });

    it("parses a market allowlist and per-market settings, checksumming addresses", () => {
      const c = ok(
        resolveConfig({
          env: {
            ...BASE_ENV,
            KEEPER_MARKETS: MARKET.toLowerCase(),
            KEEPER_METRICS_PORT: "off",
          },
          file: {
            marketSettings: {
              [MARKET.toLowerCase()]: { flashKeeper: FACTORY.toLowerCase(), minProfit: "7" },
            },
          },
        }),
      );
      expect(c.markets).to.deep.equal([MARKET]);
      expect(c.metricsPort).to.equal(undefined);
      expect(c.marketSettings[MARKET]).to.deep.equal({
        flashKeeper: FACTORY,
        gasTokenPriceWad: undefined,
        minProfit: 7n,
      });
    });

    it("reads per-market settings from KEEPER_MARKET_SETTINGS as JSON, and rejects invalid JSON", () => {
      const json = JSON.stringify({ [MARKET]: { flashKeeper: FACTORY, gasTokenPriceWad: "2000000000" } });
      const c = ok(resolveConfig({ env: { ...BASE_ENV, KEEPER_MARKET_SETTINGS: json } }));
      expect(c.marketSettings[MARKET]).to.deep.equal({
        flashKeeper: FACTORY,
        gasTokenPriceWad: 2_000_000_000n,
        minProfit: undefined,
      });
      expect(errors(resolveConfig({ env: { ...BASE_ENV, KEEPER_MARKET_SETTINGS: "{" } }))).to.deep.equal([
        "KEEPER_MARKET_SETTINGS: not valid JSON",
      ]);
    });

    it("rejects a file that is not a JSON object", () => {
      expect(errors(resolveConfig({ env: BASE_ENV, file: [1, 2] }))).to.deep.equal([
        "config file: must hold a JSON object",
      ]);
    });
  });

  describe("parseCliArgs", () => {
    it("reads --config, --dry-run, --help and --key value / --key=value pairs", () => {
      const a = parseCliArgs([
        "--config",
        "k.json",
        "--dry-run",
        "--min-profit=5",
        "--rpc-url",
        "http://x",
        "--help",
      ]);
      expect(a).to.deep.equal({
        configFile: "k.json",
        dryRun: true,
        help: true,
        overrides: { minProfit: "5", rpcUrl: "http://x" },
        errors: [],
      });
    });

    it("reports a flag without a value and a stray argument", () => {
      expect(parseCliArgs(["--page-size", "--dry-run", "oops"]).errors).to.deep.equal([
        "--page-size needs a value",
        'unexpected argument "oops"',
      ]);
    });
  });

  describe("chainIdMismatch", () => {
    it("returns undefined when the endpoint reports the configured chain, else a message naming both", () => {
      const c = { chainId: 1, network: "mainnet", rpcUrl: "https://user:secret@rpc.example/v2/APIKEY" };
      expect(chainIdMismatch(c, 1n)).to.equal(undefined);
      expect(chainIdMismatch(c, 31_337n)).to.equal(
        'chain id mismatch: https://***@rpc.example/… reports chain 31337, but network "mainnet" expects 1',
      );
    });
  });

  describe("redactUrl", () => {
    it("drops credentials, path and query, which often carry API keys", () => {
      expect(redactUrl("https://rpc.example/v3/KEY?x=1")).to.equal("https://rpc.example/…");
      expect(redactUrl("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
    });
  });
});
