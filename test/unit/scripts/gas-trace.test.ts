import { expect } from "chai";
import { ethers } from "hardhat";
import { getBytes } from "ethers";
import { callGasTo, gasBreakdown, type GasLine } from "../../../scripts/lib/gas-trace";
import type { MockERC20, MockV3Aggregator } from "../../../typechain-types";
import { deployMarket } from "../../helpers/fixtures";

const E8 = 10n ** 8n;

function line(lines: GasLine[], label: string): number {
  const found = lines.find((l) => l.label === label);
  if (!found) throw new Error(`no line "${label}" in ${JSON.stringify(lines)}`);
  return found.gas;
}

function calldataGas(data: string): number {
  return getBytes(data).reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);
}

describe("scripts/lib/gas-trace", () => {
  it("splits an ERC-20 transfer into intrinsic gas, storage and the rest, summing to gasUsed", async () => {
    const [alice] = await ethers.getSigners();
    const token = (await ethers.deployContract("MockERC20", ["T", "T", 18])) as unknown as MockERC20;
    await token.mint(alice.address, 100n);
    const fresh = ethers.Wallet.createRandom().address;
    const tx = await token.connect(alice).transfer(fresh, 40n);
    const receipt = (await tx.wait())!;
    const lines = await gasBreakdown(ethers.provider, tx.hash, {});

    expect(lines.reduce((sum, l) => sum + l.gas, 0)).to.equal(Number(receipt.gasUsed));
    expect(line(lines, "intrinsic (21,000 base + calldata)")).to.equal(21_000 + calldataGas(tx.data));
    // The sender's balance: nonzero -> nonzero (2,900); the new holder's: zero -> nonzero (20,000).
    expect(line(lines, "storage writes (SSTORE)")).to.equal(22_900);
    // Both balance slots are read cold once (2 x 2,100) before being written.
    expect(line(lines, "storage reads (SLOAD)")).to.equal(4_200);
    expect(lines.find((l) => l.label === "storage reads (SLOAD)")!.detail).to.equal("2 × 2,100");
    expect(lines.find((l) => l.label === "storage writes (SSTORE)")!.detail).to.equal(
      "1 × 20,000, 1 × 2,900",
    );
    expect(line(lines, "events (LOG)")).to.be.greaterThan(0);
    expect(line(lines, "storage refunds")).to.equal(0);
  });

  it("reports each external call as one inclusive line, labelled by its target", async () => {
    const [deployer] = await ethers.getSigners();
    const base = await ethers.deployContract("MockERC20", ["B", "B", 18]);
    const quote = await ethers.deployContract("MockERC20", ["Q", "Q", 18]);
    const feed = (await ethers.deployContract("MockV3Aggregator", [
      8,
      2_000n * E8,
    ])) as unknown as MockV3Aggregator;
    const noFeed = { feed: ethers.ZeroAddress, heartbeatSeconds: 0, minAnswer: 0, maxAnswer: 0 };
    const oracle = await ethers.deployContract("ChainlinkPriceOracle", [
      base,
      quote,
      { feed, heartbeatSeconds: 3_600, minAnswer: E8, maxAnswer: 10_000n * E8 },
      noFeed,
      ethers.ZeroAddress,
      0,
    ]);
    const tx = await oracle.connect(deployer).getFunction("price").send();
    const receipt = (await tx.wait())!;
    const feedAddress = (await feed.getAddress()).toLowerCase();
    const lines = await gasBreakdown(ethers.provider, tx.hash, { [feedAddress]: "feed" });

    expect(lines.reduce((sum, l) => sum + l.gas, 0)).to.equal(Number(receipt.gasUsed));
    // One call to the feed (latestRoundData), cold: at least the 2,600 cold-account charge.
    expect(line(lines, "call feed")).to.be.greaterThan(2_600);
    expect(lines.filter((l) => l.label.startsWith("call "))).to.have.length(1);
    // The same call found at any depth: here the top frame's only call.
    expect(await callGasTo(ethers.provider, tx.hash, feedAddress)).to.equal(line(lines, "call feed"));
    expect(await callGasTo(ethers.provider, tx.hash, ethers.ZeroAddress)).to.equal(0);
  });

  it("finds calls below the top frame: the feed read inside a market's price poke", async () => {
    const f = await deployMarket();
    const tx = await f.market.connect(f.keeper).updatePriceState();
    const feed = (await f.feed.getAddress()).toLowerCase();
    const oracle = (await f.oracle.getAddress()).toLowerCase();
    const lines = await gasBreakdown(ethers.provider, tx.hash, { [oracle]: "oracle" });
    const inFeed = await callGasTo(ethers.provider, tx.hash, feed);
    // The feed is called by the oracle, which the market calls: the feed's share is inside the oracle's line.
    expect(inFeed).to.be.greaterThan(2_600);
    expect(inFeed).to.be.lessThan(line(lines, "call oracle"));
    expect(await callGasTo(ethers.provider, tx.hash, oracle)).to.equal(line(lines, "call oracle"));
  });
});
