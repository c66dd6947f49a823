// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ILendingMarket, ILiquidationStepCallback} from "../interfaces/ILendingMarket.sol";
import {IUniswapV2PairLike} from "../interfaces/IUniswapV2PairLike.sol";

/// @title SimKeeper
/// @notice Simulator only: a keeper without capital. For each account of a batch it runs a step of at most the
/// repay the simulator chose, sells the seized collateral on a Uniswap V2 pair inside the step's callback (as
/// `PairFlashKeeper` does: the collateral is sent to the pair, then `swap` pays out the quote), and keeps the
/// step only if the sale covers the repayment plus the keeper's minimum profit (its gas cost); otherwise the step
/// reverts and is skipped. The surplus stays here: it is the keeper's revenue, in debt tokens.
contract SimKeeper is ILiquidationStepCallback {
    ILendingMarket public immutable market;
    IUniswapV2PairLike public immutable pair;
    IERC20 public immutable collateral;
    IERC20 public immutable debt;
    address public immutable owner;
    /// @dev True when the collateral is the pair's token0.
    bool internal immutable COLLATERAL_IS_TOKEN0;

    /// @notice A step that was kept: `proceeds` is what the seized collateral sold for (debt-token units).
    event Stepped(address indexed account, uint256 repaid, uint256 seized, uint256 tip, uint256 proceeds);
    /// @notice A step that was refused by the market or not profitable, with the revert data.
    event Skipped(address indexed account, bytes reason);

    error SimKeeperUnauthorized(address caller);
    error SimKeeperUnprofitable(uint256 proceeds, uint256 owed, uint256 minProfit);

    constructor(ILendingMarket market_, IUniswapV2PairLike pair_) {
        market = market_;
        pair = pair_;
        collateral = IERC20(market_.collateralToken());
        debt = IERC20(IERC4626(address(market_)).asset());
        owner = msg.sender;
        COLLATERAL_IS_TOKEN0 = pair_.token0() == address(collateral);
        debt.approve(address(market_), type(uint256).max);
    }

    /// @notice Steps each account once, in order, repaying at most `maxRepays[i]`; `minProfits[i]` is the least
    /// surplus (debt units) that makes step i worth its gas. Returns how many steps were kept.
    function run(
        address[] calldata accounts,
        uint256[] calldata maxRepays,
        uint256[] calldata minProfits
    ) external returns (uint256 kept) {
        if (msg.sender != owner) revert SimKeeperUnauthorized(msg.sender);
        for (uint256 i; i < accounts.length; ++i) {
            try market.liquidationStep(accounts[i], maxRepays[i], 0, abi.encode(minProfits[i])) {
                ++kept;
            } catch (bytes memory reason) {
                emit Skipped(accounts[i], reason);
            }
        }
    }

    /// @inheritdoc ILiquidationStepCallback
    function onLiquidationStep(
        address account,
        uint256 repaid,
        uint256 seized,
        uint256 tip,
        bytes calldata data
    ) external {
        if (msg.sender != address(market)) revert SimKeeperUnauthorized(msg.sender);
        uint256 minProfit = abi.decode(data, (uint256));
        uint256 proceeds = _quote(seized);
        uint256 owed = repaid - tip;
        // A sale that pays nothing is never sent (the pair would refuse it: INSUFFICIENT_OUTPUT_AMOUNT); the step
        // then fails this check and is skipped.
        if (proceeds == 0 || proceeds < owed + minProfit)
            revert SimKeeperUnprofitable(proceeds, owed, minProfit);
        collateral.transfer(address(pair), seized);
        (uint256 out0, uint256 out1) = COLLATERAL_IS_TOKEN0 ? (uint256(0), proceeds) : (proceeds, uint256(0));
        pair.swap(out0, out1, address(this), "");
        emit Stepped(account, repaid, seized, tip, proceeds);
    }

    /// @dev Uniswap V2's getAmountOut for `collateralIn` at the pair's reserves, rounded down.
    function _quote(uint256 collateralIn) internal view returns (uint256) {
        (uint256 r0, uint256 r1, ) = pair.getReserves();
        (uint256 reserveIn, uint256 reserveOut) = COLLATERAL_IS_TOKEN0 ? (r0, r1) : (r1, r0);
        uint256 inWithFee = collateralIn * 997;
        return (inWithFee * reserveOut) / (reserveIn * 1000 + inWithFee);
    }
}
