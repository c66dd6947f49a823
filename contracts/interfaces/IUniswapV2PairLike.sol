// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The part of a Uniswap V2 pair (and its forks) a keeper needs to sell collateral: the V2 swap takes
/// the input already sent to the pair and checks the constant product after a 0.3 % fee.
interface IUniswapV2PairLike {
    function token0() external view returns (address);

    function token1() external view returns (address);

    function getReserves()
        external
        view
        returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);

    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}
