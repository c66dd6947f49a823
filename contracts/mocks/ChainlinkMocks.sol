// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Re-exported so Hardhat compiles Chainlink's mock and typechain generates its bindings.
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
