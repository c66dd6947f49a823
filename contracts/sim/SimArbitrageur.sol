// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IUniswapV2PairLike} from "../interfaces/IUniswapV2PairLike.sol";

/// @notice The part of a Chainlink mock aggregator the simulator moves.
interface ISimFeed {
    function updateAnswer(int256 answer) external;
}

/// @title SimArbitrageur
/// @notice Simulator only: the world outside the market, caught up in one transaction when the simulator's keeper
/// is about to act. It posts the feed's latest round (when `answer` is non-zero), then makes the arbitrageur's
/// pending trades on a Uniswap V2 pair in their order, each through the pair's own `swap`: the input is sent to
/// the pair, and the output asked for is Uniswap V2's getAmountOut at the reserves of that moment.
/// @dev Holds the arbitrageur's inventory of both tokens (minted by the simulator). The simulator never sends a
/// trade whose output rounds to zero; the pair would refuse it (INSUFFICIENT_OUTPUT_AMOUNT) and so this call.
contract SimArbitrageur {
    IUniswapV2PairLike public immutable pair;
    ISimFeed public immutable feed;
    address public immutable owner;

    error SimArbitrageurUnauthorized(address caller);

    constructor(IUniswapV2PairLike pair_, ISimFeed feed_) {
        pair = pair_;
        feed = feed_;
        owner = msg.sender;
    }

    /// @notice Posts `answer` to the feed (unless 0), then sells `amountsIn[i]` of token0 (`zeroIn[i]`) or token1
    /// for the other, in order.
    function flush(int256 answer, bool[] calldata zeroIn, uint256[] calldata amountsIn) external {
        if (msg.sender != owner) revert SimArbitrageurUnauthorized(msg.sender);
        if (answer != 0) feed.updateAnswer(answer);
        IERC20 token0 = IERC20(pair.token0());
        IERC20 token1 = IERC20(pair.token1());
        for (uint256 i; i < amountsIn.length; ++i) {
            (uint256 r0, uint256 r1, ) = pair.getReserves();
            (uint256 reserveIn, uint256 reserveOut) = zeroIn[i] ? (r0, r1) : (r1, r0);
            uint256 inWithFee = amountsIn[i] * 997;
            uint256 out = (inWithFee * reserveOut) / (reserveIn * 1000 + inWithFee);
            (zeroIn[i] ? token0 : token1).transfer(address(pair), amountsIn[i]);
            if (zeroIn[i]) pair.swap(0, out, address(this), "");
            else pair.swap(out, 0, address(this), "");
        }
    }
}
