import { expect } from "chai";
import { verificationJobs } from "../../../src/deploy/verify";
import { parseDeploymentRecord } from "../../../src/sdk/deployment";
import { placeholderAddress, placeholderRecord } from "../../helpers/records";

const A = placeholderAddress;

describe("src/deploy/verify", () => {
  it("submits each recorded contract with its fully qualified name and constructor arguments", () => {
    const record = parseDeploymentRecord({
      ...placeholderRecord("sepolia", 11_155_111, { deploymentBlock: 8, startBlock: 10 }),
      contracts: {
        CollateralToken: {
          contract: "MockERC20",
          address: A(7),
          blockNumber: 8,
          transactionHash: null,
          args: ["W", "WETH", 18],
        },
        MarketFactory: {
          contract: "MarketFactory",
          address: A(3),
          blockNumber: 10,
          transactionHash: null,
          args: [A(1), "0x12"],
        },
      },
    });
    const sources: Record<string, string> = {
      MockERC20: "contracts/mocks/MockERC20.sol",
      MarketFactory: "contracts/core/MarketFactory.sol",
    };
    expect(verificationJobs(record, (c) => sources[c])).to.deep.equal([
      {
        name: "CollateralToken",
        address: A(7),
        contract: "contracts/mocks/MockERC20.sol:MockERC20",
        constructorArguments: ["W", "WETH", 18],
      },
      {
        name: "MarketFactory",
        address: A(3),
        contract: "contracts/core/MarketFactory.sol:MarketFactory",
        constructorArguments: [A(1), "0x12"],
      },
    ]);
  });

  it("rejects a record with a malformed address, naming the field", () => {
    expect(() =>
      parseDeploymentRecord({
        network: "x",
        chainId: 1,
        startBlock: 0,
        deployer: A(1),
        addresses: { market: "0x1" },
      }),
    ).to.throw("deployment record: addresses.market must be an address");
  });
});
