import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { staleReason } from "../../../scripts/ensure-compiled";

describe("scripts/ensure-compiled staleReason", () => {
  let root: string;
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);
  const write = (path: string, seconds: number) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), "");
    at(path, seconds);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "ensure-compiled-"));
    write("contracts/core/A.sol", 1_000);
    write("hardhat.config.ts", 1_000);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("compiles a fresh clone, which has no artifacts", () => {
    expect(staleReason(root)).to.deep.equal({ reason: "no compiled artifacts yet", task: "compile" });
  });

  it("compiles when a contract or the config is newer than the last compile, naming the file", () => {
    write("cache/solidity-files-cache.json", 2_000);
    write("typechain-types/index.ts", 2_000);
    write("src/frontend/abis.generated.ts", 2_000);
    write("contracts/libraries/B.sol", 3_000);
    expect(staleReason(root)).to.deep.equal({
      reason: "contracts/libraries/B.sol changed since the last compile",
      task: "compile",
    });
    at("contracts/libraries/B.sol", 1_500);
    at("hardhat.config.ts", 2_500);
    expect(staleReason(root)).to.deep.equal({
      reason: "hardhat.config.ts changed since the last compile",
      task: "compile",
    });
  });

  it("regenerates only the bindings when the artifacts are current but a generated file is gone", () => {
    write("cache/solidity-files-cache.json", 2_000);
    expect(staleReason(root)).to.deep.equal({
      reason: "typechain-types/index.ts is missing",
      task: "typechain",
    });
    write("typechain-types/index.ts", 2_000);
    expect(staleReason(root)).to.deep.equal({
      reason: "src/frontend/abis.generated.ts is missing",
      task: "typechain",
    });
  });

  it("does nothing when artifacts and bindings are newer than every input", () => {
    write("cache/solidity-files-cache.json", 2_000);
    write("typechain-types/index.ts", 2_000);
    write("src/frontend/abis.generated.ts", 2_000);
    expect(staleReason(root)).to.equal(undefined);
  });
});
