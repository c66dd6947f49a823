// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV2PairLike} from "../interfaces/IUniswapV2PairLike.sol";

/// @notice Test double of a Uniswap V2 pair: the same balance-based swap and fee-adjusted constant-product check
/// (0.3 %), reserves set by `sync` after tokens are sent in. No LP shares, flash swaps or price oracle.
contract ConstantProductPair is IUniswapV2PairLike {
    using SafeERC20 for IERC20;

    address public immutable token0;
    address public immutable token1;
    uint112 internal _reserve0;
    uint112 internal _reserve1;

    event Swap(
        address indexed sender,
        uint256 amount0In,
        uint256 amount1In,
        uint256 amount0Out,
        uint256 amount1Out,
        address indexed to
    );
    event Sync(uint112 reserve0, uint112 reserve1);

    error PairInsufficientOutput();
    error PairInsufficientLiquidity();
    error PairInsufficientInput();
    error PairK();
    error PairCallbackUnsupported();

    constructor(address tokenA, address tokenB) {
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    function getReserves() external view returns (uint112, uint112, uint32) {
        return (_reserve0, _reserve1, 0);
    }

    /// @notice Takes the pair's balances as its reserves (seed by sending tokens, then calling this).
    function sync() external {
        _update(IERC20(token0).balanceOf(address(this)), IERC20(token1).balanceOf(address(this)));
    }

    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external {
        if (amount0Out == 0 && amount1Out == 0) revert PairInsufficientOutput();
        if (data.length != 0) revert PairCallbackUnsupported();
        (uint256 r0, uint256 r1) = (_reserve0, _reserve1);
        if (amount0Out >= r0 || amount1Out >= r1) revert PairInsufficientLiquidity();
        if (amount0Out != 0) IERC20(token0).safeTransfer(to, amount0Out);
        if (amount1Out != 0) IERC20(token1).safeTransfer(to, amount1Out);
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        uint256 in0 = b0 > r0 - amount0Out ? b0 - (r0 - amount0Out) : 0;
        uint256 in1 = b1 > r1 - amount1Out ? b1 - (r1 - amount1Out) : 0;
        if (in0 == 0 && in1 == 0) revert PairInsufficientInput();
        // Fee-adjusted balances (x1000, less 3 per 1000 of the input) keep the product at least r0 * r1 * 1000^2.
        if ((b0 * 1000 - in0 * 3) * (b1 * 1000 - in1 * 3) < r0 * r1 * 1_000_000) revert PairK();
        _update(b0, b1);
        emit Swap(msg.sender, in0, in1, amount0Out, amount1Out, to);
    }

    function _update(uint256 b0, uint256 b1) internal {
        (_reserve0, _reserve1) = (uint112(b0), uint112(b1));
        emit Sync(uint112(b0), uint112(b1));
    }
}
