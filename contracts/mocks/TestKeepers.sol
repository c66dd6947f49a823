// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ILendingMarket, ILiquidationStepCallback} from "../interfaces/ILendingMarket.sol";

/// @notice Test flash keeper: receives collateral, "sells" it to a counterparty at a fixed price inside the
/// callback, and repays from the proceeds, holding no debt tokens beforehand.
contract FlashKeeper is ILiquidationStepCallback {
    ILendingMarket public immutable market;
    IERC20 public immutable collateral;
    IERC20 public immutable debt;
    /// @notice Where the collateral is sold; it must have approved this keeper for debt tokens.
    address public immutable buyer;
    /// @notice Debt-token units paid by the buyer per collateral unit, WAD.
    uint256 public buyPriceWad;

    event CallbackSeen(address account, uint256 repaid, uint256 seized, uint256 tip, bytes data);

    constructor(
        ILendingMarket market_,
        IERC20 collateral_,
        IERC20 debt_,
        address buyer_,
        uint256 buyPriceWad_
    ) {
        market = market_;
        collateral = collateral_;
        debt = debt_;
        buyer = buyer_;
        buyPriceWad = buyPriceWad_;
        debt_.approve(address(market_), type(uint256).max);
    }

    /// @notice Same signature as PairFlashKeeper.step; reverts unless the step left at least `minProfit`.
    function step(
        address account,
        uint256 maxRepay,
        uint256 minSeized,
        uint256 minProfit
    ) external returns (uint256 repaid, uint256 seized) {
        uint256 before = debt.balanceOf(address(this));
        (repaid, seized) = market.liquidationStep(account, maxRepay, minSeized, abi.encode(uint256(1)));
        require(debt.balanceOf(address(this)) >= before + minProfit, "profit below minProfit");
    }

    function onLiquidationStep(
        address account,
        uint256 repaid,
        uint256 seized,
        uint256 tip,
        bytes calldata data
    ) external {
        require(msg.sender == address(market), "only market");
        emit CallbackSeen(account, repaid, seized, tip, data);
        collateral.transfer(buyer, seized);
        debt.transferFrom(buyer, address(this), (seized * buyPriceWad) / 1e18);
    }
}

/// @notice Test keeper that tries to re-enter the market from the step callback.
contract ReentrantKeeper is ILiquidationStepCallback {
    ILendingMarket public immutable market;
    /// @notice 0: step again, 1: repay, 2: borrow, 3: vault deposit.
    uint256 public mode;

    constructor(ILendingMarket market_, IERC20 debt_) {
        market = market_;
        debt_.approve(address(market_), type(uint256).max);
    }

    function step(address account, uint256 mode_) external {
        mode = mode_;
        market.liquidationStep(account, type(uint256).max, 0, hex"01");
    }

    function onLiquidationStep(address account, uint256, uint256, uint256, bytes calldata) external {
        if (mode == 0) market.liquidationStep(account, 1, 0, "");
        else if (mode == 1) market.repay(account, 1);
        else if (mode == 2) market.borrow(1, address(this));
        else IVault(address(market)).deposit(1, address(this));
    }
}

interface IVault {
    function deposit(uint256 assets, address receiver) external returns (uint256);
}
