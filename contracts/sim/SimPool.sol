// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title SimPool
/// @notice Simulator only: a constant-product pool of collateral and debt tokens with a 0.3 % fee on the input,
/// where the simulator's keepers sell seized collateral and its arbitrageurs trade toward the reference price.
/// @dev Uniswap-V2 arithmetic: `out = in × 997 × Rout / (Rin × 1000 + in × 997)`, rounded down (for the pool).
/// Reserves are the pool's books, not `balanceOf`. No LP shares: liquidity is added once by the simulator.
contract SimPool {
    using SafeERC20 for IERC20;

    IERC20 public immutable collateral;
    IERC20 public immutable debt;

    /// @dev The input keeps 997 / 1000 of itself after the 0.3 % fee.
    uint256 internal constant FEE_NUMERATOR = 997;
    uint256 internal constant FEE_DENOMINATOR = 1000;

    uint256 public reserveCollateral;
    uint256 public reserveDebt;

    event LiquidityAdded(address indexed provider, uint256 collateralAmount, uint256 debtAmount);
    event Swapped(address indexed trader, bool collateralIn, uint256 amountIn, uint256 amountOut);

    error SimPoolZeroAmount();
    error SimPoolSlippage(uint256 amountOut, uint256 minOut);

    constructor(IERC20 collateral_, IERC20 debt_) {
        collateral = collateral_;
        debt = debt_;
    }

    /// @notice Adds both tokens to the reserves (pulled from the caller).
    function addLiquidity(uint256 collateralAmount, uint256 debtAmount) external {
        reserveCollateral += collateralAmount;
        reserveDebt += debtAmount;
        emit LiquidityAdded(msg.sender, collateralAmount, debtAmount);
        collateral.safeTransferFrom(msg.sender, address(this), collateralAmount);
        debt.safeTransferFrom(msg.sender, address(this), debtAmount);
    }

    /// @notice Both reserves in one read.
    function reserves() external view returns (uint256 collateralReserve, uint256 debtReserve) {
        return (reserveCollateral, reserveDebt);
    }

    /// @notice Output of a swap of `amountIn` (collateral when `collateralIn`, else debt), after the fee,
    /// rounded down.
    function getAmountOut(uint256 amountIn, bool collateralIn) public view returns (uint256) {
        (uint256 reserveIn, uint256 reserveOut) = collateralIn
            ? (reserveCollateral, reserveDebt)
            : (reserveDebt, reserveCollateral);
        uint256 inWithFee = amountIn * FEE_NUMERATOR;
        return (inWithFee * reserveOut) / (reserveIn * FEE_DENOMINATOR + inWithFee);
    }

    /// @notice Sells `amountIn` of one token (pulled from the caller) for at least `minOut` of the other, sent
    /// to `to`.
    function swap(
        bool collateralIn,
        uint256 amountIn,
        uint256 minOut,
        address to
    ) external returns (uint256 amountOut) {
        amountOut = _swap(collateralIn, amountIn, to);
        if (amountOut < minOut) revert SimPoolSlippage(amountOut, minOut);
    }

    /// @notice Several swaps in this order, each exactly as `swap` with no minimum: the simulator's arbitrageur
    /// catching up, in one transaction, on the trades of the ticks in which nothing else touched the pool.
    function swapSequence(bool[] calldata collateralIn, uint256[] calldata amountsIn, address to) external {
        for (uint256 i; i < amountsIn.length; ++i) _swap(collateralIn[i], amountsIn[i], to);
    }

    function _swap(bool collateralIn, uint256 amountIn, address to) internal returns (uint256 amountOut) {
        if (amountIn == 0) revert SimPoolZeroAmount();
        amountOut = getAmountOut(amountIn, collateralIn);
        if (amountOut == 0) revert SimPoolSlippage(0, 1);
        (IERC20 tokenIn, IERC20 tokenOut) = collateralIn ? (collateral, debt) : (debt, collateral);
        if (collateralIn) {
            reserveCollateral += amountIn;
            reserveDebt -= amountOut;
        } else {
            reserveDebt += amountIn;
            reserveCollateral -= amountOut;
        }
        emit Swapped(msg.sender, collateralIn, amountIn, amountOut);
        tokenIn.safeTransferFrom(msg.sender, address(this), amountIn);
        tokenOut.safeTransfer(to, amountOut);
    }
}
