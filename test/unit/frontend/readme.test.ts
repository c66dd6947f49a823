import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

describe("README: the frontend quick starts", () => {
  it("shows examples/ethers-quickstart.ts and examples/viem-quickstart.ts as they are (the packed test runs them)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const file of ["ethers-quickstart.ts", "viem-quickstart.ts"]) {
      const source = readFileSync(join(ROOT, "examples", file), "utf8");
      expect(readme, file).to.contain("```ts\n" + source + "```");
    }
  });
});
