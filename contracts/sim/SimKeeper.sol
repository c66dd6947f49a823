// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ILendingMarket, ILiquidationStepCallback} from "../interfaces/ILendingMarket.sol";
import {SimPool} from "./SimPool.sol";

/// @title SimKeeper
/// @notice Simulator only: a keeper without capital. For each account of a batch it runs a step of at most the
/// repay the simulator chose (the most profitable size it found), sells the seized collateral on the pool inside the step's callback, and keeps the step only
/// if the sale covers the repayment plus the keeper's minimum profit (its gas cost); otherwise the step reverts
/// and is skipped. The surplus stays here: it is the keeper's revenue, in debt tokens.
contract SimKeeper is ILiquidationStepCallback {
    ILendingMarket public immutable market;
    SimPool public immutable pool;
    IERC20 public immutable collateral;
    IERC20 public immutable debt;
    address public immutable owner;

    /// @notice A step that was kept: `proceeds` is what the seized collateral sold for.
    event Stepped(address indexed account, uint256 repaid, uint256 seized, uint256 tip, uint256 proceeds);
    /// @notice A step that was refused by the market or not profitable, with the revert data.
    event Skipped(address indexed account, bytes reason);

    error SimKeeperUnauthorized(address caller);
    error SimKeeperUnprofitable(uint256 proceeds, uint256 owed, uint256 minProfit);

    constructor(ILendingMarket market_, SimPool pool_) {
        market = market_;
        pool = pool_;
        collateral = IERC20(market_.collateralToken());
        debt = IERC20(IERC4626(address(market_)).asset());
        owner = msg.sender;
        collateral.approve(address(pool_), type(uint256).max);
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
        uint256 proceeds = seized == 0 ? 0 : pool.swap(true, seized, 0, address(this));
        uint256 owed = repaid - tip;
        if (proceeds < owed + minProfit) revert SimKeeperUnprofitable(proceeds, owed, minProfit);
        emit Stepped(account, repaid, seized, tip, proceeds);
    }
}
