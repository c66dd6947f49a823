import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { LendingMarket__factory, MarketFactory__factory, type LendingMarket } from "../../../typechain-types";
import { defaultMarketFixture, toStruct, type MarketFixture } from "../../helpers/fixtures";

/** The factory's config for a market like the fixture's, with overrides. */
function marketConfig(f: MarketFixture, overrides: Record<string, unknown> = {}) {
  return {
    collateralToken: f.weth,
    debtToken: f.usdc,
    oracle: f.oracle,
    rateModel: f.rateModel,
    params: toStruct(f.params),
    admin: f.admin.address,
    guardian: f.guardian.address,
    name: "Second",
    symbol: "gTWO",
    ...overrides,
  };
}

/** The fixture (one market already listed at index 0) plus the market's creation code. */
async function factoryFixture() {
  const f = await defaultMarketFixture();
  const code = new LendingMarket__factory(f.deployer).bytecode;
  return { ...f, code };
}

describe("MarketFactory", () => {
  describe("deployment", () => {
    it("sets the owner and the hash of the market's creation code", async () => {
      const { factory, deployer, code } = await loadFixture(factoryFixture);
      expect(await factory.owner()).to.equal(deployer.address);
      expect(await factory.pendingOwner()).to.equal(ethers.ZeroAddress);
      expect(await factory.marketCodeHash()).to.equal(ethers.keccak256(code));
    });

    it("reverts OwnableInvalidOwner(0) for a zero owner", async () => {
      const { factory, deployer, code } = await loadFixture(factoryFixture);
      await expect(new MarketFactory__factory(deployer).deploy(ethers.ZeroAddress, ethers.keccak256(code)))
        .to.be.revertedWithCustomError(factory, "OwnableInvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("createMarket", () => {
    it("deploys a market at the next CREATE address, lists it and emits MarketCreated(market, collateral, debt, oracle, index)", async () => {
      const f = await loadFixture(factoryFixture);
      const { factory, code } = f;
      // A contract's nonce starts at 1; the fixture's market used it, so this one is CREATE(factory, 2).
      const expected = ethers.getCreateAddress({ from: await factory.getAddress(), nonce: 2 });
      await expect(factory.createMarket(code, marketConfig(f)))
        .to.emit(factory, "MarketCreated")
        .withArgs(
          expected,
          await f.weth.getAddress(),
          await f.usdc.getAddress(),
          await f.oracle.getAddress(),
          1n,
        );
      expect(await factory.marketsLength()).to.equal(2n);
      expect(await factory.marketAt(0n)).to.equal(await f.market.getAddress());
      expect(await factory.marketAt(1n)).to.equal(expected);
      expect(await factory.allMarkets()).to.deep.equal([await f.market.getAddress(), expected]);
      expect(await factory.isMarket(expected)).to.equal(true);
    });

    it("returns the new market's address, configured as asked", async () => {
      const f = await loadFixture(factoryFixture);
      const { factory, code } = f;
      const config = marketConfig(f, { admin: f.other.address });
      const address = await factory.createMarket.staticCall(code, config);
      expect(address).to.equal(ethers.getCreateAddress({ from: await factory.getAddress(), nonce: 2 }));
      await factory.createMarket(code, config);
      const market = LendingMarket__factory.connect(address, f.deployer) as LendingMarket;
      expect(await market.collateralToken()).to.equal(await f.weth.getAddress());
      expect(await market.asset()).to.equal(await f.usdc.getAddress());
      expect(await market.hasRole(ethers.ZeroHash, f.other.address)).to.equal(true);
      expect(await market.hasRole(ethers.ZeroHash, await factory.getAddress())).to.equal(false);
    });

    it("lists markets in creation order", async () => {
      const f = await loadFixture(factoryFixture);
      const { factory, code } = f;
      const created: string[] = [await f.market.getAddress()];
      for (let i = 0; i < 3; i++) {
        const address = await factory.createMarket.staticCall(code, marketConfig(f));
        await expect(factory.createMarket(code, marketConfig(f)))
          .to.emit(factory, "MarketCreated")
          .withArgs(
            address,
            await f.weth.getAddress(),
            await f.usdc.getAddress(),
            await f.oracle.getAddress(),
            i + 1,
          );
        created.push(address);
      }
      expect(await factory.marketsLength()).to.equal(4n);
      expect(await factory.allMarkets()).to.deep.equal(created);
      expect(await factory.marketAt(3n)).to.equal(created[3]);
    });

    it("isMarket is false for addresses it did not deploy", async () => {
      const f = await loadFixture(factoryFixture);
      expect(await f.factory.isMarket(await f.market.getAddress())).to.equal(true);
      expect(await f.factory.isMarket(await f.oracle.getAddress())).to.equal(false);
      expect(await f.factory.isMarket(f.alice.address)).to.equal(false);
      expect(await f.factory.isMarket(ethers.ZeroAddress)).to.equal(false);
    });

    it("marketAt past the end reverts with an out-of-bounds panic", async () => {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.marketAt(1n)).to.be.revertedWithPanic(0x32);
    });

    it("reverts OwnableUnauthorizedAccount(caller) for anyone but the owner", async () => {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.connect(f.admin).createMarket(f.code, marketConfig(f)))
        .to.be.revertedWithCustomError(f.factory, "OwnableUnauthorizedAccount")
        .withArgs(f.admin.address);
    });

    it("reverts FactoryWrongCreationCode(hash, expected) for code that is not the market's", async () => {
      const f = await loadFixture(factoryFixture);
      const wrong = ethers.concat([f.code, "0x00"]);
      await expect(f.factory.createMarket(wrong, marketConfig(f)))
        .to.be.revertedWithCustomError(f.factory, "FactoryWrongCreationCode")
        .withArgs(ethers.keccak256(wrong), ethers.keccak256(f.code));
      const other = (await ethers.getContractFactory("MockERC20")).bytecode;
      await expect(f.factory.createMarket(other, marketConfig(f)))
        .to.be.revertedWithCustomError(f.factory, "FactoryWrongCreationCode")
        .withArgs(ethers.keccak256(other), ethers.keccak256(f.code));
    });

    it("bubbles the market constructor's own error (MarketInvalidParams(code))", async () => {
      const f = await loadFixture(factoryFixture);
      const config = marketConfig(f, { params: toStruct({ ...f.params, maxLtvBps: 8000 }) }); // maxLtv = softLtv
      await expect(f.factory.createMarket(f.code, config))
        .to.be.revertedWithCustomError(f.market, "MarketInvalidParams")
        .withArgs(1n);
      expect(await f.factory.marketsLength()).to.equal(1n);
    });

    it("reverts FactoryDeployFailed when CREATE fails without returning an error (out of gas)", async () => {
      const f = await loadFixture(factoryFixture);
      // Enough gas to reach CREATE, too little to deposit the market's code: CREATE fails with no return data,
      // and the 1/64 of the gas the factory kept pays for its own error.
      await expect(
        f.factory.createMarket(f.code, marketConfig(f), { gasLimit: 2_000_000n }),
      ).to.be.revertedWithCustomError(f.factory, "FactoryDeployFailed");
    });
  });

  describe("Ownable2Step", () => {
    it("transfers ownership in two steps: OwnershipTransferStarted, then OwnershipTransferred on accept", async () => {
      const f = await loadFixture(factoryFixture);
      const { factory, deployer, admin } = f;
      await expect(factory.transferOwnership(admin.address))
        .to.emit(factory, "OwnershipTransferStarted")
        .withArgs(deployer.address, admin.address);
      // Nothing changes until the new owner accepts.
      expect(await factory.owner()).to.equal(deployer.address);
      expect(await factory.pendingOwner()).to.equal(admin.address);
      await expect(factory.connect(admin).acceptOwnership())
        .to.emit(factory, "OwnershipTransferred")
        .withArgs(deployer.address, admin.address);
      expect(await factory.owner()).to.equal(admin.address);
      expect(await factory.pendingOwner()).to.equal(ethers.ZeroAddress);

      // The new owner deploys; the old one no longer can.
      await expect(factory.connect(admin).createMarket(f.code, marketConfig(f))).to.emit(
        factory,
        "MarketCreated",
      );
      await expect(factory.connect(deployer).createMarket(f.code, marketConfig(f)))
        .to.be.revertedWithCustomError(factory, "OwnableUnauthorizedAccount")
        .withArgs(deployer.address);
    });

    it("acceptOwnership reverts OwnableUnauthorizedAccount(caller) for anyone but the pending owner", async () => {
      const { factory, admin, other } = await loadFixture(factoryFixture);
      await factory.transferOwnership(admin.address);
      await expect(factory.connect(other).acceptOwnership())
        .to.be.revertedWithCustomError(factory, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("transferOwnership reverts OwnableUnauthorizedAccount(caller) for anyone but the owner", async () => {
      const { factory, other } = await loadFixture(factoryFixture);
      await expect(factory.connect(other).transferOwnership(other.address))
        .to.be.revertedWithCustomError(factory, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("renounceOwnership leaves the factory ownerless: nobody can deploy any more", async () => {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.renounceOwnership())
        .to.emit(f.factory, "OwnershipTransferred")
        .withArgs(f.deployer.address, ethers.ZeroAddress);
      await expect(f.factory.createMarket(f.code, marketConfig(f)))
        .to.be.revertedWithCustomError(f.factory, "OwnableUnauthorizedAccount")
        .withArgs(f.deployer.address);
    });
  });
});
