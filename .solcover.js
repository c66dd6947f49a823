// solidity-coverage settings.
//
// What is measured: the product contracts. Test-only contracts (contracts/mocks/) and the simulator's contracts
// (contracts/sim/) are compiled but not instrumented.
//
// How they compile: solidity-coverage turns the optimizer off for files on the legacy pipeline, and keeps the
// project's optimizer for files compiled through the IR pipeline (LendingMarket, and the test-only FuzzHarness,
// whose per-file override in hardhat.config.ts exists because unoptimised legacy code cannot hold its batched
// reader's values on the stack). `irMinimum` compiles those IR files with the optimizer's step sequence empty
// (only stack allocation runs), so that no instrumentation point is merged away or reordered and every product
// line and branch is counted as written: the instrumented build stays faithful to the source. Gas and code size
// differ from the real build, which is why no gas figure is ever read from a coverage run.
//
// Suites tagged [uninstrumented] are left out: the fuzz campaign sends transactions with fixed gas limits, the
// keeper tests start their own `hardhat node`, which cannot deploy the instrumented market (it exceeds the
// code-size limit), and the simulator's tiny scenario sends its steps with fixed gas limits. All run in
// `npm test`; every product line and branch is covered without them, and `scripts/check-coverage.ts` (run by
// .ci/run) fails when one is not.
module.exports = {
  skipFiles: ["mocks/", "sim/"],
  irMinimum: true,
  mocha: { timeout: 300000, grep: "\\[uninstrumented\\]", invert: true },
};
