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
