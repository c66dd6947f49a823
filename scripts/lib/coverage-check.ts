/**
 * Reads solidity-coverage's Istanbul report (coverage/coverage-final.json) and judges it: every product contract
 * must have 100 % of its lines and 100 % of its branches covered. Pure: the caller reads the file.
 */

/** One file of an Istanbul `coverage-final.json` (only the fields read here). */
export interface IstanbulFile {
  path: string;
  statementMap: Record<string, { start: { line: number }; end: { line: number } }>;
  s: Record<string, number>;
  branchMap: Record<string, { line?: number; loc?: { start: { line: number } } }>;
  b: Record<string, number[]>;
  /** Hits per line, when the reporter writes them (solidity-coverage does). */
  l?: Record<string, number>;
}

export type IstanbulReport = Record<string, IstanbulFile>;

export interface FileCoverage {
  /** The path relative to the repository root, e.g. `contracts/core/LendingMarket.sol`. */
  file: string;
  lines: { covered: number; total: number };
  branches: { covered: number; total: number };
  /** Source lines with a statement never executed, ascending. */
  uncoveredLines: number[];
  /** Source lines of branches with an arm never taken, ascending, each once. */
  uncoveredBranchLines: number[];
}

/** Test-only and simulator-only contracts are not the product (and solidity-coverage does not instrument them). */
export function isProductContract(file: string): boolean {
  return file.startsWith("contracts/") && !/^contracts\/(mocks|sim)\//.test(file);
}

function relativeTo(root: string, path: string): string {
  const prefix = root.endsWith("/") ? root : `${root}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

function lineHits(f: IstanbulFile): Map<number, number> {
  const hits = new Map<number, number>();
  if (f.l !== undefined) {
    for (const [line, count] of Object.entries(f.l)) hits.set(Number(line), count);
    return hits;
  }
  // Without per-line counts, a line is covered when any statement starting on it ran.
  for (const [id, loc] of Object.entries(f.statementMap)) {
    const line = loc.start.line;
    hits.set(line, Math.max(hits.get(line) ?? 0, f.s[id] ?? 0));
  }
  return hits;
}

/** Coverage of each product contract in the report, sorted by file. */
export function productCoverage(report: IstanbulReport, root: string): FileCoverage[] {
  const rows: FileCoverage[] = [];
  for (const f of Object.values(report)) {
    const file = relativeTo(root, f.path);
    if (!isProductContract(file)) continue;
    const hits = lineHits(f);
    const uncoveredLines = [...hits].filter(([, n]) => n === 0).map(([line]) => line);
    let covered = 0;
    let total = 0;
    const uncoveredBranchLines = new Set<number>();
    for (const [id, arms] of Object.entries(f.b)) {
      total += arms.length;
      covered += arms.filter((n) => n > 0).length;
      if (arms.some((n) => n === 0)) {
        const meta = f.branchMap[id];
        uncoveredBranchLines.add(meta?.line ?? meta?.loc?.start.line ?? 0);
      }
    }
    rows.push({
      file,
      lines: { covered: hits.size - uncoveredLines.length, total: hits.size },
      branches: { covered, total },
      uncoveredLines: uncoveredLines.sort((a, b) => a - b),
      uncoveredBranchLines: [...uncoveredBranchLines].sort((a, b) => a - b),
    });
  }
  return rows.sort((a, b) => a.file.localeCompare(b.file));
}

/** One line per file that misses 100 % of its lines or branches, naming the uncovered source lines. */
export function coverageFailures(rows: FileCoverage[]): string[] {
  const failures: string[] = [];
  for (const r of rows) {
    const parts: string[] = [];
    if (r.lines.covered < r.lines.total) {
      parts.push(`lines ${r.lines.covered}/${r.lines.total}, uncovered: ${r.uncoveredLines.join(", ")}`);
    }
    if (r.branches.covered < r.branches.total) {
      parts.push(
        `branches ${r.branches.covered}/${r.branches.total}, not every arm taken at lines: ${r.uncoveredBranchLines.join(", ")}`,
      );
    }
    if (parts.length > 0) failures.push(`${r.file}: ${parts.join("; ")}`);
  }
  return failures;
}

function percent(part: { covered: number; total: number }): string {
  return part.total === 0 ? "100.00" : ((100 * part.covered) / part.total).toFixed(2);
}

/** A table of every product contract's line and branch coverage. */
export function coverageTable(rows: FileCoverage[]): string {
  const width = Math.max(4, ...rows.map((r) => r.file.length));
  const lines = [`${"file".padEnd(width)}  lines %  branches %`];
  for (const r of rows) {
    lines.push(
      `${r.file.padEnd(width)}  ${percent(r.lines).padStart(7)}  ${percent(r.branches).padStart(10)}`,
    );
  }
  return lines.join("\n");
}
