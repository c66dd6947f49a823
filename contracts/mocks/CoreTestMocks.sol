// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ILendingMarket, ILiquidationStepCallback} from "../interfaces/ILendingMarket.sol";

/// @notice Test keeper that, from a step's callback, calls the market with arbitrary calldata (any entry point), to
/// prove every entry point refuses to run inside a step. Outside a step it can call the market like a user.
contract ReenteringCallbackKeeper is ILiquidationStepCallback {
    ILendingMarket public immutable market;
    /// @notice Calldata sent to the market from inside the callback.
    bytes public reentryCall;

    constructor(ILendingMarket market_) {
        market = market_;
    }

    /// @notice Runs an unlimited step on `account` and, inside its callback, calls the market with `call`.
    function stepAndReenter(address account, bytes calldata call) external {
        reentryCall = call;
        market.liquidationStep(account, type(uint256).max, 0, hex"01");
    }

    /// @notice Calls the market with `call` outside any step (to set up positions, shares or approvals).
    function callMarket(bytes calldata call) external {
        _call(call);
    }

    /// @notice Approves the market to pull `token` from this contract.
    function approveMarket(IERC20 token) external {
        token.approve(address(market), type(uint256).max);
    }

    function onLiquidationStep(address, uint256, uint256, uint256, bytes calldata) external {
        _call(reentryCall);
    }

    /// @dev Calls the market and bubbles its revert data unchanged.
    function _call(bytes memory call) private {
        (bool ok, bytes memory ret) = address(market).call(call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
