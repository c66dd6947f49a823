// solidity-coverage settings.
//
// What is measured: the product contracts. Test-only contracts (contracts/mocks/) and the simulator's contracts
// (contracts/sim/) are compiled but not instrumented.
//
// How they compile: solidity-coverage turns the optimizer off for files on the legacy pipeline, and keeps the
// project's optimizer settings for files compiled through the IR pipeline, where it instruments with markers
// (`abi.encode` of a per-point hash) that the optimizer cannot remove. The product contracts thus compile
// with their own settings, and the only change for coverage's sake is the test-only FuzzHarness's per-file
// override in hardhat.config.ts: unoptimised legacy code cannot hold its batched reader's values on the stack,
// so it goes through the IR pipeline. (`irMinimum`, which empties the IR optimizer's steps, gave the same
// figures on the liquidation suite and only ran slower.) Gas and code size differ from the real build, which
// is why no gas figure is ever read from a coverage run.
//
// Suites tagged [uninstrumented] are left out: the fuzz campaign sends transactions with fixed gas limits, the
// keeper, deploy, package and browser tests start their own `hardhat node`, which cannot deploy the
// instrumented market (it exceeds the code-size limit), and the simulator's runs send their steps with fixed
// gas limits. Two integration tests that replay long price walks against the views (the gradual unwind and the
// frontend helpers' random comparison) are left out because an instrumented call is about a hundred times
// slower and they would take half of the run; they exercise no line the unit tests do not. All of them run in
// `npm test`; `npm run coverage:check` (run by .ci/run) fails unless every product line and branch is covered
// without them.
module.exports = {
  skipFiles: ["mocks/", "sim/"],
  mocha: { timeout: 300000, grep: "\\[uninstrumented\\]", invert: true },
};
