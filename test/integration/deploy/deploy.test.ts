import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre, { deployments, ethers } from "hardhat";
import { JsonRpcProvider, ZeroAddress, keccak256 } from "ethers";
import {
  ChainlinkPriceOracle__factory,
  KinkedRateModel__factory,
  LendingMarket__factory,
  MarketFactory__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
} from "../../../typechain-types";
import { NETWORKS, type DeployNetwork } from "../../../src/deploy/networks";
import { readRecord, recordPath } from "../../../src/deploy/record";
import { defaultMarketParams } from "../../../src/sdk/params";
import type { DeploymentRecord } from "../../../src/sdk/deployment";
import { REPO_ROOT, startHardhatNode, type HardhatNode } from "../../../scripts/lib/hardhat-node";

const E8 = 10n ** 8n;

/** Checks on chain that the record describes a wired, working market with the documented parameters. */
async function expectWiredMarket(
  record: DeploymentRecord,
  provider: typeof ethers.provider | JsonRpcProvider,
) {
  const a = record.addresses;
  for (const address of Object.values(a)) {
    if (address !== null) expect(await provider.getCode(address)).to.not.equal("0x");
  }
  const market = LendingMarket__factory.connect(a.market, provider);
  expect(await market.collateralToken()).to.equal(a.collateralToken);
  expect(await market.asset()).to.equal(a.debtToken);
  expect(await market.oracle()).to.equal(a.oracle);
  expect(await market.rateModel()).to.equal(a.rateModel);
  const params = await market.params();
  for (const [key, value] of Object.entries(defaultMarketParams(6))) {
    expect(params[key as keyof typeof params], key).to.equal(BigInt(value));
  }
  const factory = MarketFactory__factory.connect(a.factory, provider);
  expect(await factory.allMarkets()).to.deep.equal([a.market]);
  expect(await factory.marketCodeHash()).to.equal(keccak256(LendingMarket__factory.bytecode));
  expect(await factory.owner()).to.equal(record.deployer);
  const oracle = ChainlinkPriceOracle__factory.connect(a.oracle, provider);
  expect(await oracle.baseFeed()).to.equal(a.feed);
  expect(await oracle.sequencerFeed()).to.equal(a.sequencerFeed ?? ZeroAddress);
  expect(await oracle.price()).to.equal(2_000n * 10n ** 6n); // $2,000 per WETH in USDC units, WAD-scaled
  expect(await MockERC20__factory.connect(a.collateralToken, provider).decimals()).to.equal(18n);
  expect(await MockERC20__factory.connect(a.debtToken, provider).decimals()).to.equal(6n);
  expect(
    await KinkedRateModel__factory.connect(a.rateModel, provider).borrowRatePerSecondWad(1n, 0n),
  ).to.equal(0n);
  const factoryBlock = (await provider.getTransactionReceipt(
    record.contracts.MarketFactory.transactionHash!,
  ))!;
  expect(record.startBlock).to.equal(factoryBlock.blockNumber);
  const tokenBlock = (await provider.getTransactionReceipt(
    record.contracts.CollateralToken.transactionHash!,
  ))!;
  expect(record.deploymentBlock).to.equal(tokenBlock.blockNumber); // the first step deploys the collateral token
  expect(record.contracts.LendingMarket.args[0]).to.equal(a.collateralToken);
}

describe("deploy/ (hardhat-deploy)", () => {
  describe("on the in-process network", () => {
    const saved = NETWORKS.hardhat;
    const file = () => recordPath(hre.config.paths.deployments, "hardhat");
    afterEach(() => {
      NETWORKS.hardhat = saved;
    });

    /** Runs every step from scratch on the current chain state. */
    const deployFresh = () =>
      deployments.run(undefined, { resetMemory: true, deletePreviousDeployments: true });

    it("deploys tokens, mock feed, oracle, rate model, factory, market and lens, and records them", async () => {
      await deployments.fixture();
      const record = readRecord(file());
      expect(record.network).to.equal("hardhat");
      expect(record.chainId).to.equal(31_337);
      expect(record.deployer).to.equal((await ethers.getSigners())[0].address);
      expect(Object.keys(record.contracts).sort()).to.deep.equal(
        [
          "CollateralToken",
          "DebtToken",
          "EthUsdFeed",
          "LendingMarket",
          "MarketFactory",
          "MarketLens",
          "PriceOracle",
          "RateModel",
        ].sort(),
      );
      expect(record.addresses.sequencerFeed).to.equal(null);
      await expectWiredMarket(record, ethers.provider);
    });

    it("re-running deploys nothing: same record, no new block", async () => {
      await deployments.fixture();
      const first = readFileSync(file(), "utf8");
      const block = await ethers.provider.getBlockNumber();
      await deployments.run(undefined, { resetMemory: false });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(readFileSync(file(), "utf8")).to.equal(first);
    });

    it("refuses the local mock feed when its description() is not the configured one", async () => {
      const local = saved as Extract<DeployNetwork, { kind: "local" }>;
      NETWORKS.hardhat = { ...local, feed: { ...local.feed, description: "ETH / USD" } };
      await expect(deployFresh()).to.be.rejectedWith(
        /feed 0x[0-9a-fA-F]{40} does not match the configuration: description\(\) is "v0.8\/tests\/MockV3Aggregator.sol", expected "ETH \/ USD"; refusing to deploy/,
      );
    });

    it("refuses a configured feed whose decimals() differ from the configuration", async () => {
      const [deployer] = await ethers.getSigners();
      const wrong = await new MockV3Aggregator__factory(deployer).deploy(18, 2_000n * 10n ** 18n);
      const address = await wrong.getAddress();
      NETWORKS.hardhat = liveLike(address, { decimals: 8, description: "v0.8/tests/MockV3Aggregator.sol" });
      await expect(deployFresh()).to.be.rejectedWith(
        `feed ${address} does not match the configuration: decimals() is 18, expected 8; refusing to deploy`,
      );
    });

    it("refuses a configured feed whose description() differs (a testnet address pointing at the wrong feed)", async () => {
      const [deployer] = await ethers.getSigners();
      const wrong = await new MockV3Aggregator__factory(deployer).deploy(8, 2_000n * E8);
      NETWORKS.hardhat = liveLike(await wrong.getAddress(), { decimals: 8, description: "ETH / USD" });
      await expect(deployFresh()).to.be.rejectedWith(
        `feed ${await wrong.getAddress()} does not match the configuration: description() is ` +
          `"v0.8/tests/MockV3Aggregator.sol", expected "ETH / USD"; refusing to deploy`,
      );
    });

    it("refuses a configured feed address without a feed behind it", async () => {
      const nobody = ethers.Wallet.createRandom().address;
      NETWORKS.hardhat = liveLike(nobody, { decimals: 8, description: "ETH / USD" });
      await expect(deployFresh()).to.be.rejectedWith(`feed ${nobody} on hardhat cannot be read`);
    });

    it("refuses a node whose chain id is not the configured one, before deploying anything", async () => {
      NETWORKS.hardhat = { ...liveLike(ZeroAddress, { decimals: 8, description: "" }), chainId: 11_155_111 };
      const block = await ethers.provider.getBlockNumber();
      await expect(deployFresh()).to.be.rejectedWith(
        "deploy: the RPC endpoint of hardhat reports chain id 31337, expected 11155111",
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("uses a configured feed and sequencer uptime feed that match (the testnet path)", async () => {
      const [deployer] = await ethers.getSigners();
      const feed = await new MockV3Aggregator__factory(deployer).deploy(8, 2_000n * E8);
      const sequencer = await new MockV3Aggregator__factory(deployer).deploy(0, 0); // 0: sequencer up
      NETWORKS.hardhat = liveLike(await feed.getAddress(), {
        decimals: 8,
        description: "v0.8/tests/MockV3Aggregator.sol",
        sequencer: await sequencer.getAddress(),
      });
      await deployFresh();
      const record = readRecord(file());
      expect(record.addresses.feed).to.equal(await feed.getAddress());
      expect(record.addresses.sequencerFeed).to.equal(await sequencer.getAddress());
      expect(record.contracts.EthUsdFeed).to.equal(undefined);
      const oracle = ChainlinkPriceOracle__factory.connect(record.addresses.oracle, ethers.provider);
      expect(await oracle.gracePeriodSeconds()).to.equal(3_600n);
    });
  });

  describe("against a `hardhat node` child process [uninstrumented]", () => {
    let node: HardhatNode;
    let dir: string;
    before(async function () {
      this.timeout(120_000);
      node = await startHardhatNode();
      dir = mkdtempSync(join(tmpdir(), "deployments-"));
    });
    after(async () => {
      await node?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("`hardhat deploy --network localhost` deploys and records; a second run reuses everything", async function () {
      this.timeout(240_000);
      const first = await deployCli(node.url, dir);
      expect(first.code, first.output).to.equal(0);
      const record = readRecord(join(dir, "localhost.json"));
      expect(record.network).to.equal("localhost");
      const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
      try {
        await expectWiredMarket(record, provider);
        const block = await provider.getBlockNumber();
        const second = await deployCli(node.url, dir);
        expect(second.code, second.output).to.equal(0);
        expect(second.output).to.contain('reusing "MarketFactory"');
        expect(second.output).to.contain('reusing "LendingMarket"');
        expect(await provider.getBlockNumber()).to.equal(block);
        expect(readRecord(join(dir, "localhost.json"))).to.deep.equal(record);
      } finally {
        provider.destroy();
      }
    });
  });
});

/** A live-network configuration on the in-process chain, pointing at the given feeds. */
function liveLike(
  feed: string,
  o: { decimals: number; description: string; sequencer?: string },
): DeployNetwork {
  return {
    kind: "live",
    chainId: 31_337,
    rpcUrlEnv: "UNUSED_RPC_URL",
    feed: {
      address: feed,
      decimals: o.decimals,
      description: o.description,
      heartbeatSeconds: 3_600,
      minAnswer: 1n * E8,
      maxAnswer: 1_000_000n * E8,
      source: "test",
    },
    sequencer:
      o.sequencer === undefined
        ? { address: null, reason: "test", source: "test" }
        : {
            address: o.sequencer,
            description: "v0.8/tests/MockV3Aggregator.sol",
            gracePeriodSeconds: 3_600,
            source: "test",
          },
  };
}

/** Runs `hardhat deploy --network localhost` against `url`, recording into `dir`. */
function deployCli(url: string, dir: string): Promise<{ code: number | null; output: string }> {
  const cli = require.resolve("hardhat/internal/cli/bootstrap", { paths: [REPO_ROOT] });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "deploy", "--network", "localhost"], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOCALHOST_RPC_URL: url, DEPLOYMENTS_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}
