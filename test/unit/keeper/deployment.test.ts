import { expect } from "chai";
import { keeperSettingsFromDeployment } from "../../../src/keeper/deployment";
import { resolveConfig } from "../../../src/keeper/config";
import type { DeploymentRecord } from "../../../src/sdk/deployment";
import { placeholderRecord } from "../../helpers/records";

const record = (network: string, chainId: number): DeploymentRecord =>
  placeholderRecord(network, chainId, {
    deploymentBlock: 1200,
    startBlock: 1234,
    addresses: {
      factory: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
      lens: "0x0165878A594ca255338adfa4d48449f69242Eb8F",
    },
  });

describe("keeper settings from a deployment record", () => {
  it("takes the factory, the lens, the start block and a known network's name", () => {
    expect(keeperSettingsFromDeployment(record("sepolia", 11_155_111))).to.deep.equal({
      network: "sepolia",
      chainId: 11_155_111,
      factory: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
      lens: "0x0165878A594ca255338adfa4d48449f69242Eb8F",
      startBlock: 1234,
    });
  });

  it("uses a custom network with the chain id for chains the keeper does not name, and resolves", () => {
    const file = keeperSettingsFromDeployment(record("arbitrumSepolia", 421_614));
    expect(file.network).to.equal("custom");
    const result = resolveConfig({
      file,
      env: { KEEPER_RPC_URL: "http://127.0.0.1:1", KEEPER_DRY_RUN: "true" },
    });
    if (!result.ok) throw new Error(result.errors.join("; "));
    expect(result.config.chainId).to.equal(421_614);
    expect(result.config.factory).to.equal("0x5FC8d32690cc91D4c39d9d3abcBD16989F875707");
    expect(result.config.lens).to.equal("0x0165878A594ca255338adfa4d48449f69242Eb8F");
    expect(result.config.startBlock).to.equal(1234);
  });
});
