import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex, writeIndex } from "../../../src/deploy/record";
import { REPO_ROOT } from "../../../scripts/lib/hardhat-node";
import { placeholderRecord } from "../../helpers/records";

const record = (network: string, chainId: number) => placeholderRecord(network, chainId);

describe("src/deploy/record: deployments/index.json", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "records-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lists live networks by chain id and leaves out local ones", () => {
    writeFileSync(join(dir, "sepolia.json"), JSON.stringify(record("sepolia", 11_155_111)));
    writeFileSync(join(dir, "baseSepolia.json"), JSON.stringify(record("baseSepolia", 84_532)));
    writeFileSync(join(dir, "localhost.json"), JSON.stringify(record("localhost", 31_337)));
    writeFileSync(join(dir, "hardhat.json"), JSON.stringify(record("hardhat", 31_337)));
    const file = writeIndex(dir);
    expect(JSON.parse(readFileSync(file, "utf8"))).to.deep.equal({
      "84532": record("baseSepolia", 84_532),
      "11155111": record("sepolia", 11_155_111),
    });
    expect(buildIndex(dir)).to.deep.equal(JSON.parse(readFileSync(file, "utf8"))); // index.json is skipped
  });

  it("refuses two records for one chain, and a malformed record, naming the file", () => {
    writeFileSync(join(dir, "sepolia.json"), JSON.stringify(record("sepolia", 11_155_111)));
    writeFileSync(join(dir, "sepolia2.json"), JSON.stringify(record("sepolia2", 11_155_111)));
    expect(() => buildIndex(dir)).to.throw("deployments: sepolia and sepolia2 both claim chain 11155111");
    writeFileSync(join(dir, "sepolia2.json"), JSON.stringify({ ...record("sepolia2", 1), startBlock: -1 }));
    expect(() => buildIndex(dir)).to.throw(
      `${join(dir, "sepolia2.json")}: startBlock must be a block number`,
    );
  });

  it("the committed deployments/index.json is what the committed records give", () => {
    const dirOfRepo = join(REPO_ROOT, "deployments");
    expect(JSON.parse(readFileSync(join(dirOfRepo, "index.json"), "utf8"))).to.deep.equal(
      buildIndex(dirOfRepo),
    );
  });
});
