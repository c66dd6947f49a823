import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "../../../scripts/lib/hardhat-node";
import {
  DEPLOYER_KEY_ENV,
  NETWORKS,
  deployNetwork,
  feedMismatch,
  networkEnvProblems,
} from "../../../src/deploy/networks";

const KEY = "0x" + "11".repeat(32);

describe("src/deploy/networks", () => {
  it("configures Sepolia, Arbitrum Sepolia and Base Sepolia with an ETH / USD feed (8 decimals) and its source", () => {
    const expected = { sepolia: 11_155_111, arbitrumSepolia: 421_614, baseSepolia: 84_532 };
    for (const [name, chainId] of Object.entries(expected)) {
      const n = deployNetwork(name);
      if (n.kind !== "live") throw new Error(`${name} is not live`);
      expect(n.chainId).to.equal(chainId);
      expect(n.feed.address).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(n.feed.decimals).to.equal(8);
      expect(n.feed.description).to.equal("ETH / USD");
      expect(n.feed.source).to.match(/^https:\/\/docs\.chain\.link\//);
      expect(n.sequencer.source).to.match(/^https:\/\/docs\.chain\.link\//);
    }
    expect(NETWORKS.hardhat.kind).to.equal("local");
    expect(NETWORKS.localhost.kind).to.equal("local");
  });

  it("names every missing or malformed variable of a live network, and none for local ones", () => {
    expect(networkEnvProblems("sepolia", {})).to.deep.equal([
      "SEPOLIA_RPC_URL is not set: the JSON-RPC URL of sepolia",
      "DEPLOYER_PRIVATE_KEY is not set: the deployer's private key (0x + 64 hex digits)",
    ]);
    expect(
      networkEnvProblems("baseSepolia", { BASE_SEPOLIA_RPC_URL: "wss://x", [DEPLOYER_KEY_ENV]: "0x12" }),
    ).to.deep.equal([
      "BASE_SEPOLIA_RPC_URL must be an http(s) URL",
      "DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits",
    ]);
    expect(
      networkEnvProblems("arbitrumSepolia", {
        ARBITRUM_SEPOLIA_RPC_URL: "https://rpc",
        [DEPLOYER_KEY_ENV]: KEY,
      }),
    ).to.deep.equal([]);
    expect(networkEnvProblems("hardhat", {})).to.deep.equal([]);
    expect(() => deployNetwork("mainnet")).to.throw('deploy: unknown network "mainnet"');
  });

  it("accepts a feed that says what the configuration expects and explains every difference otherwise", () => {
    const expected = { decimals: 8, description: "ETH / USD" };
    expect(feedMismatch("0xfeed", expected, { decimals: 8, description: "ETH / USD" })).to.equal(undefined);
    expect(feedMismatch("0xfeed", expected, { decimals: 18, description: "BTC / USD" })).to.equal(
      'feed 0xfeed does not match the configuration: decimals() is 18, expected 8; description() is "BTC / USD", ' +
        'expected "ETH / USD"; refusing to deploy',
    );
  });

  it("`hardhat deploy --network sepolia` without its variables stops before connecting, naming them", function () {
    this.timeout(120_000);
    const env = { ...process.env };
    delete env.SEPOLIA_RPC_URL;
    delete env[DEPLOYER_KEY_ENV];
    const cli = require.resolve("hardhat/internal/cli/bootstrap", { paths: [REPO_ROOT] });
    const run = spawnSync(process.execPath, [cli, "deploy", "--network", "sepolia"], {
      cwd: REPO_ROOT,
      env,
      encoding: "utf8",
    });
    expect(run.status).to.equal(1);
    expect(run.stderr + run.stdout).to.contain("SEPOLIA_RPC_URL is not set");
    expect(run.stderr + run.stdout).to.contain("DEPLOYER_PRIVATE_KEY is not set");
  });
});
