/**
 * `npm run demo`: one command, no configuration. On the in-process Hardhat network, deploys a market with the
 * deploy scripts, opens lender and borrower positions, walks the ETH price down through the soft zone into the hard
 * zone, lets the keeper bot unwind the positions, and prints each step and a summary (scripts/lib/demo.ts).
 */
import hre from "hardhat";
import { formatUnits } from "ethers";
import { Zone } from "../src/sdk/types";
import { clock, runDemo, type DemoResult } from "./lib/demo";

const USDC_DECIMALS = 6;
const WETH_DECIMALS = 18;
/** Oracle prices are debt base units per collateral base unit × 1e18: dollars per ETH × 1e6. */
const PRICE_DECIMALS = 18 + USDC_DECIMALS - WETH_DECIMALS;

/** `amount` (base units with `decimals`) with `shown` decimals and thousands separators, rounded down. */
function fmt(amount: bigint, decimals: number, shown: number): string {
  const scaled = amount / 10n ** BigInt(Math.max(0, decimals - shown));
  const [whole, frac = ""] = formatUnits(scaled, Math.min(decimals, shown)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return shown === 0 ? grouped : `${grouped}.${frac.padEnd(shown, "0")}`;
}
const pct = (wad: bigint) => `${fmt(wad * 100n, 18, 2)} %`;
const usd = (price: bigint) => `$${fmt(price, PRICE_DECIMALS + 18, 2)}`;
const zoneName = (z: Zone) => ["none", "healthy", "soft", "hard"][z];

function table(rows: string[][], header: string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function report(r: DemoResult): string {
  const rows = r.steps.map((s) => [
    `+${clock(s.t)}`,
    `#${s.borrower + 1}`,
    zoneName(s.zone),
    usd(s.priceWad * 10n ** 18n),
    pct(s.ltvBeforeWad),
    s.ltvAfterWad === 0n ? "closed" : pct(s.ltvAfterWad),
    fmt(s.repaid, USDC_DECIMALS, 2),
    fmt(s.seized, WETH_DECIMALS, 4),
    fmt(s.keeperFee, USDC_DECIMALS, 2),
  ]);
  const header = [
    "time",
    "borrower",
    "zone",
    "ETH price",
    "LTV before",
    "LTV after",
    "repaid USDC",
    "seized WETH",
    "keeper fee USDC",
  ];
  const sum = (f: (s: DemoResult["steps"][number]) => bigint) => r.steps.reduce((a, s) => a + f(s), 0n);
  const soft = r.steps.filter((s) => s.zone === Zone.Soft).length;
  const hard = r.steps.filter((s) => s.zone === Zone.Hard).length;
  const worst = r.final.reduce((m, p) => (p.debt > 0n && p.ltvWad > m ? p.ltvWad : m), 0n);
  const open = r.final.filter((p) => p.debt > 0n).length;
  return [
    "",
    table(rows, header),
    "",
    "Summary",
    `  steps                  ${r.steps.length} (${soft} soft, ${hard} hard) in ${r.keeperTransactions} keeper transactions, ${r.keeperGasUsed.toLocaleString("en-US")} gas`,
    `  debt repaid            ${fmt(
      sum((s) => s.repaid),
      USDC_DECIMALS,
      2,
    )} USDC (tips from reserves ${fmt(
      sum((s) => s.tip),
      USDC_DECIMALS,
      2,
    )})`,
    `  collateral seized      ${fmt(
      sum((s) => s.seized),
      WETH_DECIMALS,
      4,
    )} WETH`,
    `  keeper fees            ${fmt(
      sum((s) => s.keeperFee),
      USDC_DECIMALS,
      2,
    )} USDC (seized value at the oracle price - paid)`,
    `  market debt            ${fmt(r.before.debt, USDC_DECIMALS, 2)} -> ${fmt(r.after.debt, USDC_DECIMALS, 2)} USDC (interest accrued ${fmt(r.interest, USDC_DECIMALS, 2)})`,
    `  market collateral      ${fmt(r.before.collateral, WETH_DECIMALS, 4)} -> ${fmt(r.after.collateral, WETH_DECIMALS, 4)} WETH`,
    `  bad debt               ${fmt(r.badDebt, USDC_DECIMALS, 2)} USDC`,
    `  positions              ${open} of ${r.final.length} still open, highest LTV ${pct(worst)} (hard threshold ${pct(r.hardLtvWad)})`,
    `  wall time              ${r.wallSeconds.toFixed(1)} s`,
  ].join("\n");
}

async function main() {
  const result = await runDemo(hre, { progress: (line) => console.log(line) });
  console.log(report(result));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
