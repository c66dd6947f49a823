/**
 * Fails unless every product contract (everything under contracts/ but mocks/ and sim/) has 100 % of its lines
 * and branches covered, printing the file and its uncovered lines. Reads the report `npm run coverage` wrote:
 *
 *   npm run coverage && npm run coverage:check        (CI runs both)
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { coverageFailures, coverageTable, productCoverage, type IstanbulReport } from "./lib/coverage-check";

const ROOT = join(__dirname, "..");
const REPORT = join(ROOT, "coverage", "coverage-final.json");

function main() {
  if (!existsSync(REPORT)) throw new Error(`${REPORT} is missing: run \`npm run coverage\` first`);
  const rows = productCoverage(JSON.parse(readFileSync(REPORT, "utf8")) as IstanbulReport, ROOT);
  if (rows.length === 0) throw new Error(`${REPORT} covers no product contract`);
  console.log(coverageTable(rows));
  const failures = coverageFailures(rows);
  if (failures.length > 0) {
    console.error(`\nproduct contracts below 100 % lines or branches:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
    return;
  }
  console.log(`\nevery product contract (${rows.length} files): 100 % lines and branches`);
}

main();
