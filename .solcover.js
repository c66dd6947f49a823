// solidity-coverage: test-only contracts are not part of the product. Suites tagged [uninstrumented] are left
// out: the fuzz campaign sends transactions with fixed gas limits, and the keeper tests start their own
// `hardhat node`, which cannot deploy the instrumented market (it exceeds the code-size limit), and the simulator's
// tiny scenario sends its steps with fixed gas limits. All run in `npm test`; every contract line and branch is
// covered without them. The simulator's contracts (contracts/sim/) are not part of the product either.
module.exports = {
  skipFiles: ["mocks/", "sim/"],
  mocha: { timeout: 300000, grep: "\\[uninstrumented\\]", invert: true },
};
