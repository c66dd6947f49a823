import { expect } from "chai";
import * as pkg from "../../../src/frontend";
import * as viemEntry from "../../../src/frontend/viem";
import { PACKAGE_CONTRACTS } from "../../../scripts/lib/abis";

describe("package: the ABIs and factories of the product contracts", () => {
  it("exports, for each product contract, an `as const` ABI equal to its typechain factory's, and nothing else", () => {
    expect(Object.keys(pkg.abis).sort()).to.deep.equal(Object.keys(PACKAGE_CONTRACTS).sort());
    for (const name of Object.keys(PACKAGE_CONTRACTS) as (keyof typeof PACKAGE_CONTRACTS)[]) {
      const factory = (pkg as unknown as Record<string, { abi: unknown }>)[`${name}__factory`];
      expect(factory, `${name}__factory`).to.not.equal(undefined);
      expect(pkg.abis[name], name).to.deep.equal(factory.abi);
    }
    const factories = Object.keys(pkg).filter((k) => k.endsWith("__factory"));
    expect(factories.sort()).to.deep.equal(
      Object.keys(PACKAGE_CONTRACTS)
        .map((n) => `${n}__factory`)
        .sort(),
    );
  });

  it("gives the viem entry the same ABIs, helpers and deployments as the ethers entry, and no factory", () => {
    expect(viemEntry.abis).to.equal(pkg.abis);
    expect(viemEntry.describePosition).to.equal(pkg.describePosition);
    expect(viemEntry.previewStep).to.equal(pkg.previewStep);
    expect(viemEntry.getDeployment).to.equal(pkg.getDeployment);
    expect(Object.keys(viemEntry).filter((k) => k.endsWith("__factory"))).to.deep.equal([]);
  });
});
