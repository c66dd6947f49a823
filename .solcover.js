// solidity-coverage: test-only contracts are not part of the product.
module.exports = {
  skipFiles: ["mocks/"],
  mocha: { timeout: 300000 },
};
