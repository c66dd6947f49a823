import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { AddressLike } from "ethers";
import type {
  ChainlinkPriceOracle,
  ChainlinkPriceOracle__factory,
  MockERC20,
  MockV3Aggregator,
  SwitchableFeed,
} from "../../../typechain-types";

type FeedConfig = ChainlinkPriceOracle.FeedConfigStruct;

/** `OracleStatus` in IPriceOracle.sol. */
const Status = { Ok: 0n, SequencerGrace: 1n, SequencerDown: 2n } as const;

/** `SwitchableFeed.Mode` in OracleTestFeeds.sol. */
const FeedMode = { Healthy: 0n, Reverting: 1n, Truncated: 2n, GasBurning: 3n } as const;

/** The constructor requires `maxAnswer < type(uint128).max`, so this is the largest accepted bound. */
const UINT128_MAX = 2n ** 128n - 1n;
const MAX_ACCEPTED_ANSWER = UINT128_MAX - 1n;

// ETH/USD, 8 decimals: the base feed of the fixture's oracles.
const ETH_USD_HEARTBEAT = 3_600n;
const ETH_USD_MIN = 10_00000000n; // $10
const ETH_USD_MAX = 100_000_00000000n; // $100,000
const ETH_USD_ANSWER = 2_000_00000000n; // $2,000

// USDC/USD, 8 decimals: the quote feed of the fixture's composed oracle.
const USDC_USD_HEARTBEAT = 86_400n;
const USDC_USD_MIN = 95_000_000n; // $0.95
const USDC_USD_MAX = 105_000_000n; // $1.05
const USDC_USD_ANSWER = 99_900_000n; // $0.999

const GRACE_PERIOD = 3_600n;
const THIRTY_DAYS = 30n * 86_400n;

/** Single-feed oracles pass this as `quote`. */
const NO_QUOTE: FeedConfig = { feed: ethers.ZeroAddress, heartbeatSeconds: 0n, minAnswer: 0n, maxAnswer: 0n };

// WETH(18)/USDC(6), SCALE_DOWN = 10^(18 + 8 - 18 - 6) = 100: 2000e8 / 100.
const SINGLE_PRICE = 2_000_000_000n;
// WETH(18)/USDC(6) via ETH/USD(8) ÷ USDC/USD(8), SCALE_UP = 10^(18 + 6 + 8 - 18 - 8) = 1e6:
// 2000e8 * 1e6 / 0.999e8 = 2_002_002_002.002… → rounded down.
const COMPOSED_PRICE = 2_002_002_002n;

function feedConfig(
  feed: AddressLike,
  heartbeatSeconds: bigint,
  minAnswer: bigint,
  maxAnswer: bigint,
): FeedConfig {
  return { feed, heartbeatSeconds, minAnswer, maxAnswer };
}

/** A config with a one-day heartbeat and the given bounds. */
function dayConfig(feed: AddressLike, minAnswer: bigint, maxAnswer: bigint): FeedConfig {
  return feedConfig(feed, 86_400n, minAnswer, maxAnswer);
}

/**
 * A config that accepts any positive answer up to the largest bound, with a one-day heartbeat. The constructor
 * accepts it as a base config only where the price it allows stays below 2^128: when the net scale factor does
 * not exceed the quote's minAnswer (times the scale-down factor).
 */
function wideConfig(feed: AddressLike): FeedConfig {
  return dayConfig(feed, 1n, MAX_ACCEPTED_ANSWER);
}

/** Deploys the fixture's tokens, feeds and oracles. The sequencer has been up for 30 days. */
async function deployOracleFixture() {
  const tokenFactory = await ethers.getContractFactory("MockERC20");
  const weth = await tokenFactory.deploy("Wrapped Ether", "WETH", 18);
  const usdc = await tokenFactory.deploy("USD Coin", "USDC", 6);
  const wbtc = await tokenFactory.deploy("Wrapped Bitcoin", "WBTC", 8);
  const dai = await tokenFactory.deploy("Dai Stablecoin", "DAI", 18);

  const aggregatorFactory = await ethers.getContractFactory("MockV3Aggregator");
  const ethUsd = await aggregatorFactory.deploy(8, ETH_USD_ANSWER);
  const usdcUsd = await aggregatorFactory.deploy(8, USDC_USD_ANSWER);
  const sequencer = await aggregatorFactory.deploy(0, 0);
  const upSince = BigInt(await time.latest()) - THIRTY_DAYS;
  await sequencer.updateRoundData(2, 0, upSince, upSince);

  const oracleFactory = await ethers.getContractFactory("ChainlinkPriceOracle");
  const ethUsdConfig = feedConfig(ethUsd, ETH_USD_HEARTBEAT, ETH_USD_MIN, ETH_USD_MAX);
  const usdcUsdConfig = feedConfig(usdcUsd, USDC_USD_HEARTBEAT, USDC_USD_MIN, USDC_USD_MAX);
  const single = await oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, ethers.ZeroAddress, 0);
  const composed = await oracleFactory.deploy(weth, usdc, ethUsdConfig, usdcUsdConfig, ethers.ZeroAddress, 0);
  const l2 = await oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, sequencer, GRACE_PERIOD);

  return {
    weth,
    usdc,
    wbtc,
    dai,
    tokenFactory,
    aggregatorFactory,
    ethUsd,
    usdcUsd,
    sequencer,
    oracleFactory,
    ethUsdConfig,
    usdcUsdConfig,
    single,
    composed,
    l2,
  };
}

/**
 * A timestamp 100 s ahead of the chain: set rounds relative to it, then `mineAt(now)` so that the view calls that
 * follow run with `block.timestamp == now` (Hardhat runs `eth_call` in the context of the latest block).
 */
async function upcomingTimestamp(): Promise<bigint> {
  // Mine first: after a fixture snapshot is restored, the latest block can lag the clock that stamps the next
  // block by minutes (a slow run, e.g. under coverage), and "latest + 100" would then lie in the past.
  await mine();
  return BigInt(await time.latest()) + 100n;
}

async function mineAt(timestamp: bigint): Promise<void> {
  await time.increaseTo(timestamp);
}

/** `tryPrice()` returns exactly (usable, priceWad, status); called with `gasLimit` when one is given. */
async function expectTryPrice(
  oracle: ChainlinkPriceOracle,
  usable: boolean,
  priceWad: bigint,
  status: bigint,
  gasLimit?: bigint,
): Promise<void> {
  const result = await (gasLimit === undefined ? oracle.tryPrice() : oracle.tryPrice({ gasLimit }));
  expect(result.usable).to.equal(usable);
  expect(result.priceWad).to.equal(priceWad);
  expect(result.status).to.equal(status);
}

async function expectPriceWithStatus(
  oracle: ChainlinkPriceOracle,
  priceWad: bigint,
  status: bigint,
): Promise<void> {
  const result = await oracle.priceWithStatus();
  expect(result.priceWad).to.equal(priceWad);
  expect(result.status).to.equal(status);
}

/** Healthy, sequencer-independent price: `price()`, `priceWithStatus()` and `tryPrice()` all agree. */
async function expectHealthyPrice(oracle: ChainlinkPriceOracle, priceWad: bigint): Promise<void> {
  expect(await oracle.price()).to.equal(priceWad);
  await expectPriceWithStatus(oracle, priceWad, Status.Ok);
  await expectTryPrice(oracle, true, priceWad, Status.Ok);
}

/** A feed failure: `price()` and `priceWithStatus()` revert with `error(args)`, `tryPrice()` returns (false, 0, 0). */
async function expectFeedFailure(
  oracle: ChainlinkPriceOracle,
  error: string,
  args: unknown[],
): Promise<void> {
  await expect(oracle.price())
    .to.be.revertedWithCustomError(oracle, error)
    .withArgs(...args);
  await expect(oracle.priceWithStatus())
    .to.be.revertedWithCustomError(oracle, error)
    .withArgs(...args);
  await expectTryPrice(oracle, false, 0n, Status.Ok);
}

describe("ChainlinkPriceOracle", function () {
  describe("constructor", function () {
    it("reverts OracleZeroAddress when the collateral token is the zero address", async function () {
      const { oracleFactory, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
      await expect(
        oracleFactory.deploy(ethers.ZeroAddress, usdc, ethUsdConfig, NO_QUOTE, ethers.ZeroAddress, 0),
      ).to.be.revertedWithCustomError(oracleFactory, "OracleZeroAddress");
    });

    it("reverts OracleZeroAddress when the debt token is the zero address", async function () {
      const { oracleFactory, weth, ethUsdConfig } = await loadFixture(deployOracleFixture);
      await expect(
        oracleFactory.deploy(weth, ethers.ZeroAddress, ethUsdConfig, NO_QUOTE, ethers.ZeroAddress, 0),
      ).to.be.revertedWithCustomError(oracleFactory, "OracleZeroAddress");
    });

    it("reverts OracleZeroAddress when the base feed is the zero address", async function () {
      const { oracleFactory, weth, usdc } = await loadFixture(deployOracleFixture);
      const base = feedConfig(ethers.ZeroAddress, ETH_USD_HEARTBEAT, ETH_USD_MIN, ETH_USD_MAX);
      await expect(
        oracleFactory.deploy(weth, usdc, base, NO_QUOTE, ethers.ZeroAddress, 0),
      ).to.be.revertedWithCustomError(oracleFactory, "OracleZeroAddress");
    });

    describe("without a quote feed", function () {
      it("accepts a zero quote feed with an all-zero quote config as a single-feed oracle", async function () {
        const { oracleFactory, weth, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
        const quote = feedConfig(ethers.ZeroAddress, 0n, 0n, 0n);
        const oracle = await oracleFactory.deploy(weth, usdc, ethUsdConfig, quote, ethers.ZeroAddress, 0);
        expect(await oracle.quoteFeed()).to.equal(ethers.ZeroAddress);
        await expectHealthyPrice(oracle, SINGLE_PRICE);
      });

      const leftovers = [
        { field: "heartbeat is 1", quote: feedConfig(ethers.ZeroAddress, 1n, 0n, 0n) },
        { field: "minAnswer is 1", quote: feedConfig(ethers.ZeroAddress, 0n, 1n, 0n) },
        { field: "minAnswer is -1", quote: feedConfig(ethers.ZeroAddress, 0n, -1n, 0n) },
        { field: "maxAnswer is 1", quote: feedConfig(ethers.ZeroAddress, 0n, 0n, 1n) },
        // A config that used to be ignored: heartbeat 0 and min > max.
        { field: "bounds are (5, 1)", quote: feedConfig(ethers.ZeroAddress, 0n, 5n, 1n) },
      ];
      for (const { field, quote } of leftovers) {
        it(`reverts OracleInvalidFeedConfig(address(0)) when the quote feed is zero but its ${field}`, async function () {
          const { oracleFactory, weth, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
          await expect(oracleFactory.deploy(weth, usdc, ethUsdConfig, quote, ethers.ZeroAddress, 0))
            .to.be.revertedWithCustomError(oracleFactory, "OracleInvalidFeedConfig")
            .withArgs(ethers.ZeroAddress);
        });
      }
    });

    for (const role of ["base", "quote"] as const) {
      describe(`${role} feed config`, function () {
        /** Deploys WETH/USDC with `config` in `role` and the fixture's healthy config in the other role. */
        async function deployWith(config: (feed: string) => FeedConfig) {
          const f = await loadFixture(deployOracleFixture);
          const feed = role === "base" ? await f.ethUsd.getAddress() : await f.usdcUsd.getAddress();
          const base = role === "base" ? config(feed) : f.ethUsdConfig;
          const quote = role === "quote" ? config(feed) : f.usdcUsdConfig;
          return {
            feed,
            factory: f.oracleFactory,
            deploy: () => f.oracleFactory.deploy(f.weth, f.usdc, base, quote, ethers.ZeroAddress, 0),
          };
        }

        it(`reverts OracleInvalidFeedConfig(${role}Feed) when the heartbeat is 0`, async function () {
          const { feed, factory, deploy } = await deployWith((feed) => feedConfig(feed, 0n, 1n, 10n));
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "OracleInvalidFeedConfig")
            .withArgs(feed);
        });

        it(`reverts OracleInvalidFeedConfig(${role}Feed) when minAnswer is 0`, async function () {
          const { feed, factory, deploy } = await deployWith((feed) => feedConfig(feed, 60n, 0n, 10n));
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "OracleInvalidFeedConfig")
            .withArgs(feed);
        });

        it(`reverts OracleInvalidFeedConfig(${role}Feed) when minAnswer is negative`, async function () {
          const { feed, factory, deploy } = await deployWith((feed) => feedConfig(feed, 60n, -1n, 10n));
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "OracleInvalidFeedConfig")
            .withArgs(feed);
        });

        it(`reverts OracleInvalidFeedConfig(${role}Feed) when minAnswer equals maxAnswer`, async function () {
          const { feed, factory, deploy } = await deployWith((feed) => feedConfig(feed, 60n, 10n, 10n));
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "OracleInvalidFeedConfig")
            .withArgs(feed);
        });

        it(`reverts OracleInvalidFeedConfig(${role}Feed) when minAnswer exceeds maxAnswer`, async function () {
          const { feed, factory, deploy } = await deployWith((feed) => feedConfig(feed, 60n, 11n, 10n));
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "OracleInvalidFeedConfig")
            .withArgs(feed);
        });

        it(`reverts OracleInvalidFeedConfig(${role}Feed) when maxAnswer is 2^128`, async function () {
          const { feed, factory, deploy } = await deployWith((feed) => feedConfig(feed, 60n, 1n, 2n ** 128n));
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "OracleInvalidFeedConfig")
            .withArgs(feed);
        });

        it(`reverts OracleInvalidFeedConfig(${role}Feed) when maxAnswer is type(uint128).max`, async function () {
          const { feed, factory, deploy } = await deployWith((feed) =>
            feedConfig(feed, 60n, 1n, UINT128_MAX),
          );
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "OracleInvalidFeedConfig")
            .withArgs(feed);
        });

        it(`accepts a ${role} maxAnswer of type(uint128).max - 1 and a minAnswer of 1`, async function () {
          const { deploy } = await deployWith((feed) => feedConfig(feed, 1n, 1n, MAX_ACCEPTED_ANSWER));
          const oracle = await deploy();
          if (role === "base") {
            expect(await oracle.baseHeartbeatSeconds()).to.equal(1n);
            expect(await oracle.baseMinAnswer()).to.equal(1n);
            expect(await oracle.baseMaxAnswer()).to.equal(MAX_ACCEPTED_ANSWER);
          } else {
            expect(await oracle.quoteHeartbeatSeconds()).to.equal(1n);
            expect(await oracle.quoteMinAnswer()).to.equal(1n);
            expect(await oracle.quoteMaxAnswer()).to.equal(MAX_ACCEPTED_ANSWER);
          }
        });

        it(`reverts OracleUnsupportedDecimals(${role}Feed, 19) when the ${role} feed has 19 decimals`, async function () {
          const f = await loadFixture(deployOracleFixture);
          const feed19 = await f.aggregatorFactory.deploy(19, 1n);
          const config = wideConfig(feed19);
          const base = role === "base" ? config : f.ethUsdConfig;
          const quote = role === "quote" ? config : f.usdcUsdConfig;
          await expect(f.oracleFactory.deploy(f.weth, f.usdc, base, quote, ethers.ZeroAddress, 0))
            .to.be.revertedWithCustomError(f.oracleFactory, "OracleUnsupportedDecimals")
            .withArgs(await feed19.getAddress(), 19);
        });
      });
    }

    it("reverts OracleUnsupportedDecimals(collateral, 19) when the collateral token has 19 decimals", async function () {
      const { oracleFactory, tokenFactory, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
      const token19 = await tokenFactory.deploy("Nineteen", "N19", 19);
      await expect(oracleFactory.deploy(token19, usdc, ethUsdConfig, NO_QUOTE, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(oracleFactory, "OracleUnsupportedDecimals")
        .withArgs(await token19.getAddress(), 19);
    });

    it("reverts OracleUnsupportedDecimals(debt, 255) when the debt token has 255 decimals", async function () {
      const { oracleFactory, tokenFactory, weth, ethUsdConfig } = await loadFixture(deployOracleFixture);
      const token255 = await tokenFactory.deploy("Max", "MAX", 255);
      await expect(oracleFactory.deploy(weth, token255, ethUsdConfig, NO_QUOTE, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(oracleFactory, "OracleUnsupportedDecimals")
        .withArgs(await token255.getAddress(), 255);
    });

    it("reverts OracleInvalidGracePeriod(0) when a sequencer feed is given without a grace period", async function () {
      const { oracleFactory, weth, usdc, ethUsdConfig, sequencer } = await loadFixture(deployOracleFixture);
      await expect(oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, sequencer, 0))
        .to.be.revertedWithCustomError(oracleFactory, "OracleInvalidGracePeriod")
        .withArgs(0n);
    });

    it("reverts OracleInvalidGracePeriod(3600) when a grace period is given without a sequencer feed", async function () {
      const { oracleFactory, weth, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
      await expect(oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, ethers.ZeroAddress, GRACE_PERIOD))
        .to.be.revertedWithCustomError(oracleFactory, "OracleInvalidGracePeriod")
        .withArgs(GRACE_PERIOD);
    });

    describe("sequencer uptime feed", function () {
      it("reverts OracleFeedCallFailed(sequencerFeed) when the uptime feed reverts", async function () {
        const { oracleFactory, weth, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
        const broken = await ethers.deployContract("RevertingFeed", [0]);
        await expect(oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, broken, GRACE_PERIOD))
          .to.be.revertedWithCustomError(oracleFactory, "OracleFeedCallFailed")
          .withArgs(await broken.getAddress());
      });

      it("reverts OracleFeedCallFailed(sequencerFeed) when the uptime feed returns 159 of 160 bytes", async function () {
        const { oracleFactory, weth, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
        const malformed = await ethers.deployContract("MalformedFeed", [0, 0, 159]);
        await expect(oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, malformed, GRACE_PERIOD))
          .to.be.revertedWithCustomError(oracleFactory, "OracleFeedCallFailed")
          .withArgs(await malformed.getAddress());
      });

      it("reverts OracleSequencerRoundInvalid(sequencerFeed) when the uptime round has startedAt 0", async function () {
        const { oracleFactory, aggregatorFactory, weth, usdc, ethUsdConfig } =
          await loadFixture(deployOracleFixture);
        const uninitialised = await aggregatorFactory.deploy(0, 0);
        await uninitialised.updateRoundData(1, 0, await time.latest(), 0);
        await expect(oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, uninitialised, GRACE_PERIOD))
          .to.be.revertedWithCustomError(oracleFactory, "OracleSequencerRoundInvalid")
          .withArgs(await uninitialised.getAddress());
      });

      it("reverts OracleInsufficientGas(sequencerFeed) when the uptime feed burns its whole 63/64 share", async function () {
        const { oracleFactory, weth, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
        const burner = await ethers.deployContract("GasBurningFeed", [0]);
        await expect(
          oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, burner, GRACE_PERIOD, {
            gasLimit: 3_000_000n,
          }),
        )
          .to.be.revertedWithCustomError(oracleFactory, "OracleInsufficientGas")
          .withArgs(await burner.getAddress());
      });

      it("accepts an uptime feed that reports the sequencer down: only readability is checked", async function () {
        const { oracleFactory, weth, usdc, ethUsdConfig, sequencer } = await loadFixture(deployOracleFixture);
        await sequencer.updateAnswer(1);
        const oracle = await oracleFactory.deploy(
          weth,
          usdc,
          ethUsdConfig,
          NO_QUOTE,
          sequencer,
          GRACE_PERIOD,
        );
        expect(await oracle.sequencerFeed()).to.equal(await sequencer.getAddress());
        await expectPriceWithStatus(oracle, SINGLE_PRICE, Status.SequencerDown);
      });
    });

    // The constructor requires baseMax <= (2^128 - 1) / ceil(scaleUp / (quoteMin * scaleDown)) whenever
    // scaleUp > quoteMin * scaleDown (quoteMin = 1 without a quote feed), so that no answers within the bounds
    // price at 2^128 or more. 2^128 - 1 = 340_282_366_920_938_463_463_374_607_431_768_211_455.
    describe("highest price the bounds allow", function () {
      describe("single feed: WBTC(8)/DAI(18) from an 8-decimal feed, scaleUp = 10^(18 + 18 - 8 - 8) = 1e20", function () {
        // (2^128 - 1) / 1e20 = 3_402_823_669_209_384_634.633… → 3_402_823_669_209_384_634.
        const LIMIT = 3_402_823_669_209_384_634n;

        it("accepts baseMax = 3_402_823_669_209_384_634 and prices an answer there just below 2^128", async function () {
          const { oracleFactory, aggregatorFactory, wbtc, dai } = await loadFixture(deployOracleFixture);
          const feed = await aggregatorFactory.deploy(8, LIMIT);
          const oracle = await oracleFactory.deploy(
            wbtc,
            dai,
            dayConfig(feed, 1n, LIMIT),
            NO_QUOTE,
            ethers.ZeroAddress,
            0,
          );
          expect(await oracle.baseMaxAnswer()).to.equal(LIMIT);
          // 3_402_823_669_209_384_634 * 1e20 < 340_282_366_920_938_463_463_374_607_431_768_211_455.
          await expectHealthyPrice(oracle, 340_282_366_920_938_463_400_000_000_000_000_000_000n);
        });

        it("reverts OracleInvalidFeedConfig(baseFeed) when baseMax is 3_402_823_669_209_384_635", async function () {
          const { oracleFactory, aggregatorFactory, wbtc, dai } = await loadFixture(deployOracleFixture);
          const feed = await aggregatorFactory.deploy(8, 60_000_00000000n);
          await expect(
            oracleFactory.deploy(wbtc, dai, dayConfig(feed, 1n, LIMIT + 1n), NO_QUOTE, ethers.ZeroAddress, 0),
          )
            .to.be.revertedWithCustomError(oracleFactory, "OracleInvalidFeedConfig")
            .withArgs(await feed.getAddress());
        });
      });

      describe("composed: WETH(18)/USDC(6) from two 8-decimal feeds, scaleUp = 10^(18 + 6 + 8 - 18 - 8) = 1e6", function () {
        async function deployComposed(baseMax: bigint, quoteMin: bigint) {
          const { oracleFactory, aggregatorFactory, weth, usdc } = await loadFixture(deployOracleFixture);
          const base = await aggregatorFactory.deploy(8, baseMax);
          const quote = await aggregatorFactory.deploy(8, quoteMin);
          return {
            oracleFactory,
            baseAddress: await base.getAddress(),
            deploy: () =>
              oracleFactory.deploy(
                weth,
                usdc,
                dayConfig(base, 1n, baseMax),
                dayConfig(quote, quoteMin, 2_000_000n),
                ethers.ZeroAddress,
                0,
              ),
          };
        }

        it("rounds the factor up: quoteMin 999_999 gives ceil(1e6 / 999_999) = 2 and accepts baseMax 2^127 - 1", async function () {
          const { deploy } = await deployComposed(2n ** 127n - 1n, 999_999n);
          const oracle = await deploy();
          expect(await oracle.baseMaxAnswer()).to.equal(170_141_183_460_469_231_731_687_303_715_884_105_727n);
          // (2^127 - 1) * 1e6 / 999_999 = (2^127 - 1) + (2^127 - 1) / 999_999 → 1.70141…e38, about half of 2^128:
          // the rounded-up factor makes the limit conservative.
          await expectHealthyPrice(oracle, 170_141_353_601_822_833_554_520_858_236_742_342_469n);
        });

        it("reverts OracleInvalidFeedConfig(baseFeed) when quoteMin is 999_999 and baseMax is 2^127", async function () {
          const { oracleFactory, baseAddress, deploy } = await deployComposed(2n ** 127n, 999_999n);
          await expect(deploy())
            .to.be.revertedWithCustomError(oracleFactory, "OracleInvalidFeedConfig")
            .withArgs(baseAddress);
        });

        it("skips the check when quoteMin equals scaleUp: quoteMin 1e6 accepts baseMax 2^128 - 2", async function () {
          const { deploy } = await deployComposed(MAX_ACCEPTED_ANSWER, 1_000_000n);
          const oracle = await deploy();
          // (2^128 - 2) * 1e6 / 1e6.
          await expectHealthyPrice(oracle, 340_282_366_920_938_463_463_374_607_431_768_211_454n);
        });
      });

      describe("composed: ZERO(0)/DAI(18) from a 0-decimal and an 18-decimal feed, scaleUp = 10^(18 + 18 + 18) = 1e54", function () {
        async function deployZeroDecimals(baseMax: bigint, quoteMin: bigint) {
          const { oracleFactory, aggregatorFactory, tokenFactory, dai } =
            await loadFixture(deployOracleFixture);
          const zeroDecimals = await tokenFactory.deploy("Zero decimals", "ZERO", 0);
          const base = await aggregatorFactory.deploy(0, baseMax);
          const quote = await aggregatorFactory.deploy(18, quoteMin);
          return {
            oracleFactory,
            baseAddress: await base.getAddress(),
            deploy: () =>
              oracleFactory.deploy(
                zeroDecimals,
                dai,
                dayConfig(base, 1n, baseMax),
                dayConfig(quote, quoteMin, 2_000_000_000_000_000_000n),
                ethers.ZeroAddress,
                0,
              ),
          };
        }

        // This pair used to overflow in Math.mulDiv (2e77 > 2^256) at price time; it is now refused at deployment.
        it("reverts OracleInvalidFeedConfig(baseFeed) for any base bounds when quoteMin is 1: (2^128 - 1) / 1e54 = 0", async function () {
          const { oracleFactory, baseAddress, deploy } = await deployZeroDecimals(2n, 1n);
          await expect(deploy())
            .to.be.revertedWithCustomError(oracleFactory, "OracleInvalidFeedConfig")
            .withArgs(baseAddress);
        });

        it("accepts baseMax 340 when quoteMin is 1e18: (2^128 - 1) / 1e36 = 340.28… → 340; prices 340 ÷ 1 as 3.4e38", async function () {
          const { deploy } = await deployZeroDecimals(340n, 1_000_000_000_000_000_000n);
          const oracle = await deploy();
          // 340 * 1e54 / 1e18 = 3.4e38 < 2^128 - 1 ≈ 3.4028e38.
          await expectHealthyPrice(oracle, 340_000_000_000_000_000_000_000_000_000_000_000_000n);
        });

        it("reverts OracleInvalidFeedConfig(baseFeed) when quoteMin is 1e18 and baseMax is 341", async function () {
          const { oracleFactory, baseAddress, deploy } = await deployZeroDecimals(
            341n,
            1_000_000_000_000_000_000n,
          );
          await expect(deploy())
            .to.be.revertedWithCustomError(oracleFactory, "OracleInvalidFeedConfig")
            .withArgs(baseAddress);
        });
      });
    });
  });

  describe("public immutables", function () {
    it("exposes the base, quote and sequencer configuration of a composed L2 oracle", async function () {
      const f = await loadFixture(deployOracleFixture);
      const oracle = await f.oracleFactory.deploy(
        f.weth,
        f.usdc,
        f.ethUsdConfig,
        f.usdcUsdConfig,
        f.sequencer,
        GRACE_PERIOD,
      );
      expect(await oracle.baseFeed()).to.equal(await f.ethUsd.getAddress());
      expect(await oracle.baseHeartbeatSeconds()).to.equal(ETH_USD_HEARTBEAT);
      expect(await oracle.baseMinAnswer()).to.equal(ETH_USD_MIN);
      expect(await oracle.baseMaxAnswer()).to.equal(ETH_USD_MAX);
      expect(await oracle.quoteFeed()).to.equal(await f.usdcUsd.getAddress());
      expect(await oracle.quoteHeartbeatSeconds()).to.equal(USDC_USD_HEARTBEAT);
      expect(await oracle.quoteMinAnswer()).to.equal(USDC_USD_MIN);
      expect(await oracle.quoteMaxAnswer()).to.equal(USDC_USD_MAX);
      expect(await oracle.sequencerFeed()).to.equal(await f.sequencer.getAddress());
      expect(await oracle.gracePeriodSeconds()).to.equal(GRACE_PERIOD);
    });

    it("reports a zero quote feed, zero quote config, no sequencer and no grace for a single-feed L1 oracle", async function () {
      const { single, ethUsd } = await loadFixture(deployOracleFixture);
      expect(await single.baseFeed()).to.equal(await ethUsd.getAddress());
      expect(await single.quoteFeed()).to.equal(ethers.ZeroAddress);
      expect(await single.quoteHeartbeatSeconds()).to.equal(0n);
      expect(await single.quoteMinAnswer()).to.equal(0n);
      expect(await single.quoteMaxAnswer()).to.equal(0n);
      expect(await single.sequencerFeed()).to.equal(ethers.ZeroAddress);
      expect(await single.gracePeriodSeconds()).to.equal(0n);
    });
  });

  describe("decimal normalisation", function () {
    /**
     * Deploys a fresh oracle on fresh feeds (no sequencer), with realistic bounds: the constructor refuses bounds
     * that allow a price of 2^128 or more, which wide bounds do wherever the price is scaled up.
     */
    async function deployPair(
      collateral: MockERC20,
      debt: MockERC20,
      base: FeedConfig,
      quote: FeedConfig = NO_QUOTE,
    ): Promise<ChainlinkPriceOracle> {
      const factory: ChainlinkPriceOracle__factory = await ethers.getContractFactory("ChainlinkPriceOracle");
      return factory.deploy(collateral, debt, base, quote, ethers.ZeroAddress, 0);
    }

    // Bounds of the feeds below, in their own decimals.
    const ethUsd8 = (feed: MockV3Aggregator) => dayConfig(feed, ETH_USD_MIN, ETH_USD_MAX); // $10 to $100,000
    const ethUsd18 = (feed: MockV3Aggregator) =>
      dayConfig(feed, 10_000_000_000_000_000_000n, 100_000_000_000_000_000_000_000n); // $10 to $100,000
    const btcUsd8 = (feed: MockV3Aggregator) => dayConfig(feed, 1_000_00000000n, 1_000_000_00000000n); // $1,000 to $1M
    const btcUsd18 = (feed: MockV3Aggregator) =>
      dayConfig(feed, 1_000_000_000_000_000_000_000n, 1_000_000_000_000_000_000_000_000n); // $1,000 to $1M
    const stableUsd8 = (feed: MockV3Aggregator) => dayConfig(feed, USDC_USD_MIN, USDC_USD_MAX); // $0.95 to $1.05
    const stableUsd18 = (feed: MockV3Aggregator) =>
      dayConfig(feed, 950_000_000_000_000_000n, 1_050_000_000_000_000_000n); // $0.95 to $1.05

    describe("single feed", function () {
      it("prices WETH(18)/USDC(6) from an 8-decimal ETH/USD feed at 2000e8 as 2000e6", async function () {
        const { weth, usdc, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const feed = await aggregatorFactory.deploy(8, 2_000_00000000n);
        // 10^(18 + 6) / 10^(18 + 8) → divide by 100: 2000e8 / 100 = 2000e6.
        await expectHealthyPrice(await deployPair(weth, usdc, ethUsd8(feed)), 2_000_000_000n);
      });

      it("rounds WETH(18)/USDC(6) down when the 8-decimal answer is not a multiple of 100", async function () {
        const { weth, usdc, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const feed = await aggregatorFactory.deploy(8, 2_000_12345678n);
        // 2000.12345678e8 / 100 = 2_000_123_456.78 → 2_000_123_456.
        await expectHealthyPrice(await deployPair(weth, usdc, ethUsd8(feed)), 2_000_123_456n);
      });

      it("prices WBTC(8)/DAI(18) from an 8-decimal BTC/USD feed at 60000e8 as 6e32", async function () {
        const { wbtc, dai, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const feed = await aggregatorFactory.deploy(8, 60_000_00000000n);
        // 10^(18 + 18) / 10^(8 + 8) → multiply by 1e20: 6e12 * 1e20 = 6e32
        // (1 sat = 6e-4 DAI = 6e14 DAI wei, times 1e18).
        await expectHealthyPrice(
          await deployPair(wbtc, dai, btcUsd8(feed)),
          600_000_000_000_000_000_000_000_000_000_000n,
        );
      });

      it("prices USDC(6)/DAI(18) from an 8-decimal feed at 0.999e8 as 9.99e29", async function () {
        const { usdc, dai, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const feed = await aggregatorFactory.deploy(8, 99_900_000n);
        // 10^(18 + 18) / 10^(6 + 8) → multiply by 1e22: 9.99e7 * 1e22 = 9.99e29
        // (1 USDC unit = 0.999e12 DAI wei, times 1e18).
        await expectHealthyPrice(
          await deployPair(usdc, dai, stableUsd8(feed)),
          999_000_000_000_000_000_000_000_000_000n,
        );
      });

      it("prices WETH(18)/DAI(18) from an 18-decimal feed at 2000e18 as the answer itself", async function () {
        const { weth, dai, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const feed = await aggregatorFactory.deploy(18, 2_000_000_000_000_000_000_000n);
        // 10^(18 + 18) / 10^(18 + 18) = 1: priceWad = 2000e18 (1 wei ETH = 2000 wei DAI, times 1e18).
        await expectHealthyPrice(await deployPair(weth, dai, ethUsd18(feed)), 2_000_000_000_000_000_000_000n);
      });

      it("prices WBTC(8)/USDC(6) from an 18-decimal BTC/USD feed at 60000e18 as 6e20", async function () {
        const { wbtc, usdc, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const feed = await aggregatorFactory.deploy(18, 60_000_000_000_000_000_000_000n);
        // 10^(18 + 6) / 10^(8 + 18) → divide by 100: 6e22 / 100 = 6e20 (1 sat = 600 USDC units, times 1e18).
        await expectHealthyPrice(await deployPair(wbtc, usdc, btcUsd18(feed)), 600_000_000_000_000_000_000n);
      });
    });

    describe("composed feeds", function () {
      it("prices WETH(18)/USDC(6) from ETH/USD(8) at 2000e8 ÷ USDC/USD(8) at 0.999e8, rounded down", async function () {
        const { weth, usdc, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const base = await aggregatorFactory.deploy(8, 2_000_00000000n);
        const quote = await aggregatorFactory.deploy(8, 99_900_000n);
        // 2000e8 * 10^(18 + 6 + 8) / (0.999e8 * 10^(18 + 8)) → multiply by 1e6:
        // 2000e8 * 1e6 / 0.999e8 = 2e17 / 9.99e7 = 2_002_002_002.002… → 2_002_002_002.
        await expectHealthyPrice(
          await deployPair(weth, usdc, ethUsd8(base), stableUsd8(quote)),
          2_002_002_002n,
        );
      });

      it("gives the same WETH/USDC price from an 18-decimal ETH/USD feed, scaling down instead of up", async function () {
        const { weth, usdc, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const base = await aggregatorFactory.deploy(18, 2_000_000_000_000_000_000_000n);
        const quote = await aggregatorFactory.deploy(8, 99_900_000n);
        // 10^(18 + 6 + 8) / 10^(18 + 18) → divide by 1e4:
        // 2000e18 / (0.999e8 * 1e4) = 2e21 / 9.99e11 = 2_002_002_002.002… → 2_002_002_002.
        await expectHealthyPrice(
          await deployPair(weth, usdc, ethUsd18(base), stableUsd8(quote)),
          2_002_002_002n,
        );
      });

      it("prices WBTC(8)/DAI(18) from BTC/USD(8) at 60000e8 ÷ DAI/USD(18) at 1.0001e18, rounded down", async function () {
        const { wbtc, dai, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const base = await aggregatorFactory.deploy(8, 60_000_00000000n);
        const quote = await aggregatorFactory.deploy(18, 1_000_100_000_000_000_000n);
        // 6e12 * 10^(18 + 18 + 18) / (1.0001e18 * 10^(8 + 8)) = 6e12 * 1e38 / 1.0001e18 = 6e32 / 1.0001
        // = 599_940_005_999_400_059_994_000_599_940_005.9994… → …940_005.
        await expectHealthyPrice(
          await deployPair(wbtc, dai, btcUsd8(base), stableUsd18(quote)),
          599_940_005_999_400_059_994_000_599_940_005n,
        );
      });

      it("prices USDC(6)/WETH(18) from USDC/USD(8) at 1e8 ÷ ETH/USD(8) at 3000e8, rounded down", async function () {
        const { usdc, weth, aggregatorFactory } = await loadFixture(deployOracleFixture);
        const base = await aggregatorFactory.deploy(8, 100_000_000n);
        const quote = await aggregatorFactory.deploy(8, 3_000_00000000n);
        // 1e8 * 10^(18 + 18 + 8) / (3000e8 * 10^(6 + 8)) = 1e8 * 1e30 / 3e11 = 3.333…e26 → 333…333 (27 digits)
        // (1 USDC unit = 1e-6 / 3000 ETH = 3.33e8 wei, times 1e18).
        await expectHealthyPrice(
          await deployPair(usdc, weth, stableUsd8(base), ethUsd8(quote)),
          333_333_333_333_333_333_333_333_333n,
        );
      });
    });
  });

  // The composed WETH/USDC oracle of the fixture, checked through each of its two feeds in turn.
  for (const role of ["base", "quote"] as const) {
    const heartbeat = role === "base" ? ETH_USD_HEARTBEAT : USDC_USD_HEARTBEAT;
    const minAnswer = role === "base" ? ETH_USD_MIN : USDC_USD_MIN;
    const maxAnswer = role === "base" ? ETH_USD_MAX : USDC_USD_MAX;
    const healthyAnswer = role === "base" ? ETH_USD_ANSWER : USDC_USD_ANSWER;
    // price = base * 1e6 / quote (see COMPOSED_PRICE).
    const priceAtMin =
      role === "base"
        ? 10_010_010n // 10e8 * 1e6 / 0.999e8 = 10_010_010.01…
        : 2_105_263_157n; // 2000e8 * 1e6 / 0.95e8 = 2_105_263_157.89…
    const priceAtMax =
      role === "base"
        ? 100_100_100_100n // 100_000e8 * 1e6 / 0.999e8 = 100_100_100_100.1…
        : 1_904_761_904n; // 2000e8 * 1e6 / 1.05e8 = 1_904_761_904.76…

    describe(`${role} feed checks`, function () {
      async function fixture() {
        const f = await loadFixture(deployOracleFixture);
        const feed = role === "base" ? f.ethUsd : f.usdcUsd;
        const otherFeed = role === "base" ? f.usdcUsd : f.ethUsd;
        /** The fixture's composed oracle with `replacement` (8 decimals) in place of this role's feed. */
        async function deployWithFeed(replacement: AddressLike): Promise<ChainlinkPriceOracle> {
          const config = feedConfig(replacement, heartbeat, minAnswer, maxAnswer);
          const base = role === "base" ? config : f.ethUsdConfig;
          const quote = role === "quote" ? config : f.usdcUsdConfig;
          return f.oracleFactory.deploy(f.weth, f.usdc, base, quote, ethers.ZeroAddress, 0);
        }
        return {
          ...f,
          feed,
          otherFeed,
          feedAddress: await feed.getAddress(),
          oracle: f.composed,
          deployWithFeed,
        };
      }

      it(`returns the composed price when the ${role} feed is fresh and within bounds`, async function () {
        const { oracle } = await fixture();
        await expectHealthyPrice(oracle, COMPOSED_PRICE);
      });

      describe("answer", function () {
        it(`reverts OracleAnswerNotPositive(${role}Feed, 0) when the ${role} answer is 0`, async function () {
          const { oracle, feed, feedAddress } = await fixture();
          await feed.updateAnswer(0n);
          await expectFeedFailure(oracle, "OracleAnswerNotPositive", [feedAddress, 0n]);
        });

        it(`reverts OracleAnswerNotPositive(${role}Feed, -1) when the ${role} answer is -1`, async function () {
          const { oracle, feed, feedAddress } = await fixture();
          await feed.updateAnswer(-1n);
          await expectFeedFailure(oracle, "OracleAnswerNotPositive", [feedAddress, -1n]);
        });

        it(`reverts OracleAnswerOutOfBounds when the ${role} answer is minAnswer - 1`, async function () {
          const { oracle, feed, feedAddress } = await fixture();
          await feed.updateAnswer(minAnswer - 1n);
          await expectFeedFailure(oracle, "OracleAnswerOutOfBounds", [
            feedAddress,
            minAnswer - 1n,
            minAnswer,
            maxAnswer,
          ]);
        });

        it(`reverts OracleAnswerOutOfBounds when the ${role} answer is maxAnswer + 1`, async function () {
          const { oracle, feed, feedAddress } = await fixture();
          await feed.updateAnswer(maxAnswer + 1n);
          await expectFeedFailure(oracle, "OracleAnswerOutOfBounds", [
            feedAddress,
            maxAnswer + 1n,
            minAnswer,
            maxAnswer,
          ]);
        });

        it(`accepts a ${role} answer exactly at minAnswer`, async function () {
          const { oracle, feed } = await fixture();
          await feed.updateAnswer(minAnswer);
          await expectHealthyPrice(oracle, priceAtMin);
        });

        it(`accepts a ${role} answer exactly at maxAnswer`, async function () {
          const { oracle, feed } = await fixture();
          await feed.updateAnswer(maxAnswer);
          await expectHealthyPrice(oracle, priceAtMax);
        });
      });

      describe("timestamp and staleness", function () {
        it(`reverts OracleBadTimestamp(${role}Feed, 0) when the ${role} updatedAt is 0`, async function () {
          const { oracle, feed, feedAddress } = await fixture();
          await feed.updateRoundData(7, healthyAnswer, 0, 0);
          await expectFeedFailure(oracle, "OracleBadTimestamp", [feedAddress, 0n]);
        });

        it(`reverts OracleBadTimestamp when the ${role} updatedAt is one second in the future`, async function () {
          const { oracle, feed, feedAddress } = await fixture();
          const now = await upcomingTimestamp();
          await feed.updateRoundData(7, healthyAnswer, now + 1n, now + 1n);
          await mineAt(now);
          await expectFeedFailure(oracle, "OracleBadTimestamp", [feedAddress, now + 1n]);
        });

        it(`accepts a ${role} round updated in the current block`, async function () {
          const { oracle, feed } = await fixture();
          const now = await upcomingTimestamp();
          await feed.updateRoundData(7, healthyAnswer, now, now);
          await mineAt(now);
          await expectHealthyPrice(oracle, COMPOSED_PRICE);
        });

        it(`accepts a ${role} round exactly ${heartbeat} s (the heartbeat) old`, async function () {
          const { oracle, feed } = await fixture();
          const now = await upcomingTimestamp();
          await feed.updateRoundData(7, healthyAnswer, now - heartbeat, now - heartbeat);
          await mineAt(now);
          await expectHealthyPrice(oracle, COMPOSED_PRICE);
        });

        it(`reverts OracleStale when the ${role} round is one second older than the heartbeat`, async function () {
          const { oracle, feed, feedAddress } = await fixture();
          const now = await upcomingTimestamp();
          const updatedAt = now - heartbeat - 1n;
          await feed.updateRoundData(7, healthyAnswer, updatedAt, updatedAt);
          await mineAt(now);
          await expectFeedFailure(oracle, "OracleStale", [feedAddress, updatedAt, heartbeat]);
        });

        it(`reverts OracleStale when the ${role} feed simply stops updating for heartbeat + 1 s`, async function () {
          const { oracle, feed, otherFeed, feedAddress } = await fixture();
          const updatedAt = await upcomingTimestamp();
          await time.setNextBlockTimestamp(updatedAt);
          await feed.updateAnswer(healthyAnswer);
          // Keep the other feed fresh at the checks below, whatever its own heartbeat.
          const otherAnswer = role === "base" ? USDC_USD_ANSWER : ETH_USD_ANSWER;
          await otherFeed.updateRoundData(7, otherAnswer, updatedAt + heartbeat, updatedAt + heartbeat);
          await mineAt(updatedAt + heartbeat);
          await expectHealthyPrice(oracle, COMPOSED_PRICE);
          await mineAt(updatedAt + heartbeat + 1n);
          await expectFeedFailure(oracle, "OracleStale", [feedAddress, updatedAt, heartbeat]);
        });
      });

      describe("broken feed", function () {
        it(`reverts OracleFeedCallFailed(${role}Feed) when the ${role} feed reverts`, async function () {
          const { deployWithFeed } = await fixture();
          const broken = await ethers.deployContract("RevertingFeed", [8]);
          const oracle = await deployWithFeed(broken);
          await expectFeedFailure(oracle, "OracleFeedCallFailed", [await broken.getAddress()]);
        });

        it(`reverts OracleFeedCallFailed(${role}Feed) when the ${role} feed returns 159 of 160 bytes`, async function () {
          const { deployWithFeed } = await fixture();
          const malformed = await ethers.deployContract("MalformedFeed", [8, healthyAnswer, 159]);
          const oracle = await deployWithFeed(malformed);
          await expectFeedFailure(oracle, "OracleFeedCallFailed", [await malformed.getAddress()]);
        });

        it(`reverts OracleFeedCallFailed(${role}Feed) when the ${role} feed returns no data`, async function () {
          const { deployWithFeed } = await fixture();
          const malformed = await ethers.deployContract("MalformedFeed", [8, healthyAnswer, 0]);
          const oracle = await deployWithFeed(malformed);
          await expectFeedFailure(oracle, "OracleFeedCallFailed", [await malformed.getAddress()]);
        });

        it(`accepts a ${role} feed that returns exactly the 160 bytes of a round`, async function () {
          const { deployWithFeed } = await fixture();
          const fullLength = await ethers.deployContract("MalformedFeed", [8, healthyAnswer, 160]);
          await expectHealthyPrice(await deployWithFeed(fullLength), COMPOSED_PRICE);
        });
      });

      describe("gas starvation", function () {
        it(`reverts OracleInsufficientGas(${role}Feed) when the ${role} feed burns its whole 63/64 share`, async function () {
          const { deployWithFeed } = await fixture();
          const burner = await ethers.deployContract("GasBurningFeed", [8]);
          const oracle = await deployWithFeed(burner);
          const burnerAddress = await burner.getAddress();
          await expect(oracle.price({ gasLimit: 500_000n }))
            .to.be.revertedWithCustomError(oracle, "OracleInsufficientGas")
            .withArgs(burnerAddress);
          await expect(oracle.priceWithStatus({ gasLimit: 500_000n }))
            .to.be.revertedWithCustomError(oracle, "OracleInsufficientGas")
            .withArgs(burnerAddress);
        });

        it(`makes tryPrice return (false, 0, 0), not revert, when the ${role} feed burns its whole 63/64 share`, async function () {
          const { deployWithFeed } = await fixture();
          const burner = await ethers.deployContract("GasBurningFeed", [8]);
          const oracle = await deployWithFeed(burner);
          await expectTryPrice(oracle, false, 0n, Status.Ok, 500_000n);
        });

        it(`reverts OracleInsufficientGas(${role}Feed) when a healthy but gas-hungry ${role} feed is starved by the caller`, async function () {
          const { deployWithFeed } = await fixture();
          // The feed needs 1M gas; a 500k gas limit lets the oracle start but not the feed finish.
          const hungry = await ethers.deployContract("GasHungryFeed", [8, healthyAnswer, 1_000_000n]);
          const oracle = await deployWithFeed(hungry);
          await expect(oracle.price({ gasLimit: 500_000n }))
            .to.be.revertedWithCustomError(oracle, "OracleInsufficientGas")
            .withArgs(await hungry.getAddress());
          // With the gas it needs, the same feed prices normally.
          expect(await oracle.price({ gasLimit: 3_000_000n })).to.equal(COMPOSED_PRICE);
        });

        it(`makes tryPrice return (false, 0, 0) when a healthy but gas-hungry ${role} feed is starved by the caller`, async function () {
          const { deployWithFeed } = await fixture();
          // tryPrice catches the OracleInsufficientGas of its sub-call: a starved call reads as unusable.
          const hungry = await ethers.deployContract("GasHungryFeed", [8, healthyAnswer, 1_000_000n]);
          const oracle = await deployWithFeed(hungry);
          await expectTryPrice(oracle, false, 0n, Status.Ok, 500_000n);
          await expectTryPrice(oracle, true, COMPOSED_PRICE, Status.Ok, 3_000_000n);
        });
      });
    });
  }

  describe("zero price", function () {
    it("reverts OracleZeroPrice when a single-feed price rounds to zero, and returns 1 one unit above", async function () {
      const { weth, usdc, aggregatorFactory, oracleFactory } = await loadFixture(deployOracleFixture);
      // WETH(18)/USDC(6) from an 18-decimal feed: 10^(18 + 6) / 10^(18 + 18) → divide by 1e12.
      const feed = await aggregatorFactory.deploy(18, 999_999_999_999n); // 999_999_999_999 / 1e12 = 0.99… → 0
      const oracle = await oracleFactory.deploy(
        weth,
        usdc,
        wideConfig(feed),
        NO_QUOTE,
        ethers.ZeroAddress,
        0,
      );
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "OracleZeroPrice");
      await expect(oracle.priceWithStatus()).to.be.revertedWithCustomError(oracle, "OracleZeroPrice");
      await expectTryPrice(oracle, false, 0n, Status.Ok);

      await feed.updateAnswer(1_000_000_000_000n); // 1e12 / 1e12 = 1
      await expectHealthyPrice(oracle, 1n);
    });

    it("reverts OracleZeroPrice when a composed price rounds to zero", async function () {
      const { weth, usdc, aggregatorFactory, oracleFactory } = await loadFixture(deployOracleFixture);
      const base = await aggregatorFactory.deploy(18, 1n);
      const quote = await aggregatorFactory.deploy(8, 100_000_000n);
      // 1 * 10^(18 + 6 + 8) / (1e8 * 10^(18 + 18)) = 1 / (1e8 * 1e4) → 0.
      const oracle = await oracleFactory.deploy(
        weth,
        usdc,
        wideConfig(base),
        wideConfig(quote),
        ethers.ZeroAddress,
        0,
      );
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "OracleZeroPrice");
      await expect(oracle.priceWithStatus()).to.be.revertedWithCustomError(oracle, "OracleZeroPrice");
      await expectTryPrice(oracle, false, 0n, Status.Ok);
    });

    it("reverts OracleZeroPrice before reading the sequencer, even when the sequencer is down", async function () {
      const { weth, usdc, aggregatorFactory, oracleFactory, sequencer } =
        await loadFixture(deployOracleFixture);
      const feed = await aggregatorFactory.deploy(18, 1n); // 1 / 1e12 → 0, as above
      const oracle = await oracleFactory.deploy(
        weth,
        usdc,
        wideConfig(feed),
        NO_QUOTE,
        sequencer,
        GRACE_PERIOD,
      );
      await sequencer.updateAnswer(1);
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "OracleZeroPrice");
      await expectTryPrice(oracle, false, 0n, Status.Ok);
    });
  });

  describe("sequencer uptime feed", function () {
    async function fixture() {
      const f = await loadFixture(deployOracleFixture);
      return { ...f, oracle: f.l2, sequencerAddress: await f.sequencer.getAddress() };
    }

    it("returns status Ok when the sequencer has been up for 30 days", async function () {
      const { oracle } = await fixture();
      await expectHealthyPrice(oracle, SINGLE_PRICE);
    });

    it("returns status Ok one second after the grace period ends", async function () {
      const { oracle, sequencer } = await fixture();
      const now = await upcomingTimestamp();
      const upSince = now - GRACE_PERIOD - 1n;
      await sequencer.updateRoundData(3, 0, upSince, upSince);
      await mineAt(now);
      await expectHealthyPrice(oracle, SINGLE_PRICE);
    });

    it("ignores the age of the uptime round: a round three years old is fine", async function () {
      const { oracle, sequencer, ethUsd } = await fixture();
      const now = await upcomingTimestamp();
      const threeYearsAgo = now - 3n * 365n * 86_400n;
      await sequencer.updateRoundData(3, 0, threeYearsAgo, threeYearsAgo);
      await ethUsd.updateRoundData(3, ETH_USD_ANSWER, now, now);
      await mineAt(now);
      await expectHealthyPrice(oracle, SINGLE_PRICE);
    });

    describe("down", function () {
      it("price() reverts OracleSequencerDown; priceWithStatus and tryPrice return the price with status 2", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        await sequencer.updateAnswer(1);
        await expect(oracle.price())
          .to.be.revertedWithCustomError(oracle, "OracleSequencerDown")
          .withArgs(sequencerAddress);
        await expectPriceWithStatus(oracle, SINGLE_PRICE, Status.SequencerDown);
        await expectTryPrice(oracle, true, SINGLE_PRICE, Status.SequencerDown);
      });

      it("treats any non-zero uptime answer (2) as down, however long ago the status began", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        const downSince = (await upcomingTimestamp()) - THIRTY_DAYS;
        await sequencer.updateRoundData(3, 2, downSince, downSince);
        await expect(oracle.price())
          .to.be.revertedWithCustomError(oracle, "OracleSequencerDown")
          .withArgs(sequencerAddress);
        await expectPriceWithStatus(oracle, SINGLE_PRICE, Status.SequencerDown);
        await expectTryPrice(oracle, true, SINGLE_PRICE, Status.SequencerDown);
      });

      it("reports a broken price feed before the sequencer status: a stale feed reverts OracleStale", async function () {
        const { oracle, sequencer, ethUsd } = await fixture();
        const now = await upcomingTimestamp();
        const updatedAt = now - ETH_USD_HEARTBEAT - 1n;
        await ethUsd.updateRoundData(3, ETH_USD_ANSWER, updatedAt, updatedAt);
        await sequencer.updateAnswer(1);
        await mineAt(now);
        await expectFeedFailure(oracle, "OracleStale", [
          await ethUsd.getAddress(),
          updatedAt,
          ETH_USD_HEARTBEAT,
        ]);
      });
    });

    describe("grace period", function () {
      it("price() reverts OracleSequencerGracePeriod 100 s after the sequencer came back; status is 1", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        const now = await upcomingTimestamp();
        const upSince = now - 100n;
        await sequencer.updateRoundData(3, 0, upSince, upSince);
        await mineAt(now);
        await expect(oracle.price())
          .to.be.revertedWithCustomError(oracle, "OracleSequencerGracePeriod")
          .withArgs(sequencerAddress, upSince, GRACE_PERIOD);
        await expectPriceWithStatus(oracle, SINGLE_PRICE, Status.SequencerGrace);
        await expectTryPrice(oracle, true, SINGLE_PRICE, Status.SequencerGrace);
      });

      it("is still in grace exactly gracePeriodSeconds after the sequencer came back (the check is <=)", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        const now = await upcomingTimestamp();
        const upSince = now - GRACE_PERIOD;
        await sequencer.updateRoundData(3, 0, upSince, upSince);
        await mineAt(now);
        await expect(oracle.price())
          .to.be.revertedWithCustomError(oracle, "OracleSequencerGracePeriod")
          .withArgs(sequencerAddress, upSince, GRACE_PERIOD);
        await expectPriceWithStatus(oracle, SINGLE_PRICE, Status.SequencerGrace);
        await expectTryPrice(oracle, true, SINGLE_PRICE, Status.SequencerGrace);
      });

      it("is in grace in the block where the sequencer came back", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        const now = await upcomingTimestamp();
        await time.setNextBlockTimestamp(now);
        await sequencer.updateAnswer(0); // startedAt = now
        await expect(oracle.price())
          .to.be.revertedWithCustomError(oracle, "OracleSequencerGracePeriod")
          .withArgs(sequencerAddress, now, GRACE_PERIOD);
        await expectTryPrice(oracle, true, SINGLE_PRICE, Status.SequencerGrace);
      });

      it("treats an uptime startedAt one second in the future as grace", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        const now = await upcomingTimestamp();
        await sequencer.updateRoundData(3, 0, now, now + 1n);
        await mineAt(now);
        await expect(oracle.price())
          .to.be.revertedWithCustomError(oracle, "OracleSequencerGracePeriod")
          .withArgs(sequencerAddress, now + 1n, GRACE_PERIOD);
        await expectPriceWithStatus(oracle, SINGLE_PRICE, Status.SequencerGrace);
        await expectTryPrice(oracle, true, SINGLE_PRICE, Status.SequencerGrace);
      });
    });

    describe("unreadable uptime feed", function () {
      it("reverts OracleSequencerRoundInvalid when the uptime round has startedAt 0; tryPrice returns (false, 0, 0)", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        const now = await upcomingTimestamp();
        await sequencer.updateRoundData(3, 0, now, 0);
        await mineAt(now);
        await expectFeedFailure(oracle, "OracleSequencerRoundInvalid", [sequencerAddress]);
      });

      it("reverts OracleSequencerRoundInvalid rather than OracleSequencerDown when a down round has startedAt 0", async function () {
        const { oracle, sequencer, sequencerAddress } = await fixture();
        const now = await upcomingTimestamp();
        await sequencer.updateRoundData(3, 1, now, 0);
        await mineAt(now);
        await expectFeedFailure(oracle, "OracleSequencerRoundInvalid", [sequencerAddress]);
      });

      // The constructor refuses an unreadable uptime feed, so these deploy on a healthy one and then break it.
      async function switchableFixture() {
        const f = await loadFixture(deployOracleFixture);
        const upSince = BigInt(await time.latest()) - THIRTY_DAYS;
        const uptime: SwitchableFeed = await ethers.deployContract("SwitchableFeed", [
          0,
          0,
          upSince,
          upSince,
        ]);
        const oracle = await f.oracleFactory.deploy(
          f.weth,
          f.usdc,
          f.ethUsdConfig,
          NO_QUOTE,
          uptime,
          GRACE_PERIOD,
        );
        await expectHealthyPrice(oracle, SINGLE_PRICE);
        return { oracle, uptime, uptimeAddress: await uptime.getAddress() };
      }

      it("reverts OracleFeedCallFailed(sequencerFeed) when the uptime feed starts reverting; tryPrice returns (false, 0, 0)", async function () {
        const { oracle, uptime, uptimeAddress } = await switchableFixture();
        await uptime.setMode(FeedMode.Reverting);
        await expectFeedFailure(oracle, "OracleFeedCallFailed", [uptimeAddress]);
      });

      it("reverts OracleFeedCallFailed(sequencerFeed) when the uptime feed starts returning 159 bytes; tryPrice returns (false, 0, 0)", async function () {
        const { oracle, uptime, uptimeAddress } = await switchableFixture();
        await uptime.setMode(FeedMode.Truncated);
        await expectFeedFailure(oracle, "OracleFeedCallFailed", [uptimeAddress]);
      });

      it("reverts OracleInsufficientGas(sequencerFeed) in price() and priceWithStatus() when the uptime feed burns its whole 63/64 share; tryPrice returns (false, 0, 0)", async function () {
        const { oracle, uptime, uptimeAddress } = await switchableFixture();
        await uptime.setMode(FeedMode.GasBurning);
        await expect(oracle.price({ gasLimit: 500_000n }))
          .to.be.revertedWithCustomError(oracle, "OracleInsufficientGas")
          .withArgs(uptimeAddress);
        await expect(oracle.priceWithStatus({ gasLimit: 500_000n }))
          .to.be.revertedWithCustomError(oracle, "OracleInsufficientGas")
          .withArgs(uptimeAddress);
        await expectTryPrice(oracle, false, 0n, Status.Ok, 500_000n);
      });

      it("prices normally again once the uptime feed is readable again", async function () {
        const { oracle, uptime } = await switchableFixture();
        await uptime.setMode(FeedMode.Reverting);
        await expectTryPrice(oracle, false, 0n, Status.Ok);
        await uptime.setMode(FeedMode.Healthy);
        await expectHealthyPrice(oracle, SINGLE_PRICE);
      });
    });
  });

  describe("tryPrice", function () {
    it("returns (true, price, Ok) for a healthy single-feed oracle", async function () {
      const { single } = await loadFixture(deployOracleFixture);
      await expectTryPrice(single, true, SINGLE_PRICE, Status.Ok);
    });

    it("returns (true, price, Ok) for a healthy composed oracle", async function () {
      const { composed } = await loadFixture(deployOracleFixture);
      await expectTryPrice(composed, true, COMPOSED_PRICE, Status.Ok);
    });

    it("returns (false, 0, 0) when the base feed fails, even with a healthy quote feed", async function () {
      const { composed, ethUsd } = await loadFixture(deployOracleFixture);
      await ethUsd.updateAnswer(0n);
      await expectTryPrice(composed, false, 0n, Status.Ok);
    });

    it("returns (false, 0, 0) when the quote feed fails, even with a healthy base feed", async function () {
      const { composed, usdcUsd } = await loadFixture(deployOracleFixture);
      await usdcUsd.updateAnswer(USDC_USD_MAX + 1n);
      await expectTryPrice(composed, false, 0n, Status.Ok);
    });

    it("returns (false, 0, 0) when the composed price rounds to zero", async function () {
      const { composed, ethUsd, usdcUsd, weth, usdc, oracleFactory, usdcUsdConfig } =
        await loadFixture(deployOracleFixture);
      // Base bounds down to 1 so that the base answer may be tiny: 1 * 1e6 / 1.05e8 → 0. (The quote's minAnswer,
      // 0.95e8, exceeds the scale factor 1e6, so the wide base bounds pass the constructor's maximum-price check.)
      const oracle = await oracleFactory.deploy(
        weth,
        usdc,
        wideConfig(ethUsd),
        usdcUsdConfig,
        ethers.ZeroAddress,
        0,
      );
      await ethUsd.updateAnswer(1n);
      await usdcUsd.updateAnswer(USDC_USD_MAX);
      await expectTryPrice(oracle, false, 0n, Status.Ok);
      // The fixture's oracle refuses the same answer earlier, as out of bounds.
      await expectTryPrice(composed, false, 0n, Status.Ok);
    });

    it("returns (false, 0, 0) when the uptime feed call fails, although the price feed is healthy", async function () {
      const { oracleFactory, weth, usdc, ethUsdConfig } = await loadFixture(deployOracleFixture);
      const upSince = BigInt(await time.latest()) - THIRTY_DAYS;
      const uptime = await ethers.deployContract("SwitchableFeed", [0, 0, upSince, upSince]);
      const oracle = await oracleFactory.deploy(weth, usdc, ethUsdConfig, NO_QUOTE, uptime, GRACE_PERIOD);
      await expectTryPrice(oracle, true, SINGLE_PRICE, Status.Ok);
      await uptime.setMode(FeedMode.Reverting);
      await expectTryPrice(oracle, false, 0n, Status.Ok);
    });

    it("returns (false, 0, 0) when the uptime round has startedAt 0", async function () {
      const { l2, sequencer } = await loadFixture(deployOracleFixture);
      const now = await upcomingTimestamp();
      await sequencer.updateRoundData(3, 0, now, 0);
      await mineAt(now);
      await expectTryPrice(l2, false, 0n, Status.Ok);
    });

    it("returns (true, price, status) with the sequencer status when the sequencer is down", async function () {
      const { l2, sequencer } = await loadFixture(deployOracleFixture);
      await sequencer.updateAnswer(1);
      await expectTryPrice(l2, true, SINGLE_PRICE, Status.SequencerDown);
    });
  });
});
