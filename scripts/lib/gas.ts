/** Pure helpers of the gas benchmark: snapshot comparison and the Markdown table (no I/O here). */
export type GasSnapshot = Record<string, bigint>;

/**
 * Lines describing every figure that rose more than `tolerance` (a fraction) over `committed`, or that is
 * missing from one side. An empty list means the check passes.
 */
export function compareSnapshots(
  committed: Record<string, number>,
  measured: GasSnapshot,
  tolerance: number,
): string[] {
  const problems: string[] = [];
  for (const [name, gas] of Object.entries(measured)) {
    const before = committed[name];
    if (before === undefined) {
      problems.push(`  new figure not in the snapshot: ${name} = ${gas}`);
      continue;
    }
    const limit = Math.floor(before * (1 + tolerance));
    if (Number(gas) > limit)
      problems.push(
        `  ${name}: ${before} -> ${gas} (+${(((Number(gas) - before) / before) * 100).toFixed(2)} %)`,
      );
  }
  for (const name of Object.keys(committed)) {
    if (!(name in measured)) problems.push(`  figure no longer measured: ${name}`);
  }
  return problems;
}

/** The snapshot as a Markdown table (the README shows it). */
export function formatTable(snapshot: GasSnapshot): string {
  const rows = Object.entries(snapshot).map(([name, gas]) => `| ${name} | ${gas.toLocaleString("en-US")} |`);
  return ["| call | gas used |", "| --- | ---: |", ...rows].join("\n");
}

/** EIP-170: the most bytes of code a contract may have. */
export const CODE_SIZE_LIMIT = 24_576;

/** The deployed code sizes as a Markdown table, with each contract's headroom under EIP-170's limit. */
export function formatCodeSizes(sizes: Record<string, number>): string {
  const rows = Object.entries(sizes).map(
    ([name, size]) =>
      `| ${name} | ${size.toLocaleString("en-US")} | ${(CODE_SIZE_LIMIT - size).toLocaleString("en-US")} |`,
  );
  return ["| contract | code size (bytes) | headroom under 24,576 |", "| --- | ---: | ---: |", ...rows].join(
    "\n",
  );
}

/** Lines describing every contract whose headroom under the code-size limit is below `minimum[name]` bytes. */
export function headroomProblems(sizes: Record<string, number>, minimum: Record<string, number>): string[] {
  return Object.entries(minimum).flatMap(([name, bytes]) => {
    const size = sizes[name];
    if (size === undefined) return [`  ${name}: code size not measured`];
    const headroom = CODE_SIZE_LIMIT - size;
    return headroom < bytes ? [`  ${name}: ${headroom} bytes of headroom, below the ${bytes} required`] : [];
  });
}

/** Snapshot keys of the anchor's figures start with this. */
export const ANCHOR_PREFIX = "Morpho Blue: ";

/** `ours / anchor` with two decimals. */
export const ratio = (ours: bigint, anchor: bigint): string => (Number(ours) / Number(anchor)).toFixed(2);

/**
 * Our figures beside the anchor's, as a Markdown table: one row per entry of `rows` (our call → the anchor's
 * call measured in the same state), with the ratio.
 */
export function formatComparison(
  ours: GasSnapshot,
  anchor: GasSnapshot,
  rows: Readonly<Record<string, string>>,
): string {
  const lines = Object.entries(rows).map(([mine, theirs]) => {
    const a = ours[mine];
    const b = anchor[theirs];
    if (a === undefined || b === undefined) throw new Error(`comparison: no figure for ${mine} / ${theirs}`);
    return `| ${mine} | ${a.toLocaleString("en-US")} | ${theirs} | ${b.toLocaleString("en-US")} | ${ratio(a, b)} |`;
  });
  return [
    "| call | ours | Morpho Blue call | Morpho Blue | ours / Morpho |",
    "| --- | ---: | --- | ---: | ---: |",
    ...lines,
  ].join("\n");
}

/** One gas target: a figure and the most it may be. */
export interface GasTarget {
  name: string;
  figure: bigint;
  limit: bigint;
  /** How the limit is set, when it is derived from other figures. */
  basis?: string;
}

/** The targets as a Markdown table with whether each is met. */
export function formatTargets(targets: readonly GasTarget[]): string {
  const rows = targets.map((t) => {
    const met = t.figure <= t.limit ? "met" : `missed by ${(t.figure - t.limit).toLocaleString("en-US")}`;
    const limit = `≤ ${t.limit.toLocaleString("en-US")}${t.basis ? ` (${t.basis})` : ""}`;
    return `| ${t.name} | ${t.figure.toLocaleString("en-US")} | ${limit} | ${met} |`;
  });
  return ["| target | gas | limit | |", "| --- | ---: | --- | --- |", ...rows].join("\n");
}
