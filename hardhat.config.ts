import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";

/** The one compiler version we build with; the npm `solc` package of this exact version is a dependency. */
const SOLC_VERSION = "0.8.28";

// Hardhat cannot download compilers on our machines: use the solc-js build that npm installed.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

const config: HardhatUserConfig = {
  solidity: {
    compilers: [
      { version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" } },
    ],
    overrides: {
      // The market sits close to the 24,576-byte code limit. The IR pipeline makes it both smaller (by ~450
      // bytes) and cheaper (~2.5k gas per step) than the legacy one; 50 runs keep it deployable (200 runs
      // would save under 200 gas per call for ~500 more bytes). See gas-snapshot.json.
      "contracts/core/LendingMarket.sol": {
        version: SOLC_VERSION,
        settings: { optimizer: { enabled: true, runs: 50 }, evmVersion: "cancun", viaIR: true },
      },
    },
  },
  networks: {
    hardhat: {
      hardfork: "cancun",
    },
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    currency: "USD",
    offline: true,
  },
  mocha: {
    timeout: 120_000,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
};

export default config;
