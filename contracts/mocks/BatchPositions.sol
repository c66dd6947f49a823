// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ILendingMarket} from "../interfaces/ILendingMarket.sol";

/// @notice Test helper for benchmarks and keeper tests: opens many positions per transaction. Each position is a
/// fresh account (a `BatchBorrower` created here) whose collateral this contract supplies from its own balance
/// and which borrows in its constructor; the borrowed debt tokens come back here.
/// @dev Mint or transfer collateral tokens to this contract first. About 120k gas per position.
contract BatchPositionCreator {
    ILendingMarket public immutable market;
    IERC20 public immutable collateral;
    IERC20 public immutable debt;

    /// @dev True only inside `createPositions`, when the only code that can call back is a new borrower's
    /// constructor.
    bool private _creating;

    event PositionsCreated(uint256 firstIndex, uint256 count);

    error BatchLengthMismatch(uint256 collaterals, uint256 debts);
    error BatchUnexpectedCaller(address caller);

    constructor(ILendingMarket market_) {
        market = market_;
        collateral = IERC20(market_.collateralToken());
        debt = IERC20(IERC4626(address(market_)).asset());
        collateral.approve(address(market_), type(uint256).max);
    }

    /// @notice Opens `collaterals.length` positions: position i posts `collaterals[i]` and borrows `debts[i]`.
    /// @return accounts The new borrowers, in the order they were registered by the market.
    function createPositions(
        uint256[] calldata collaterals,
        uint256[] calldata debts
    ) external returns (address[] memory accounts) {
        if (collaterals.length != debts.length) revert BatchLengthMismatch(collaterals.length, debts.length);
        uint256 firstIndex = market.borrowersLength();
        accounts = new address[](collaterals.length);
        // A borrower's address is only known once it runs, so it asks back for its collateral from its constructor.
        _creating = true;
        for (uint256 i; i < collaterals.length; ++i) {
            accounts[i] = address(new BatchBorrower(market, collaterals[i], debts[i]));
        }
        _creating = false;
        emit PositionsCreated(firstIndex, collaterals.length);
    }

    /// @notice Called by a `BatchBorrower` under construction: supplies its collateral.
    function supplyForCaller(uint256 amount) external {
        if (!_creating) revert BatchUnexpectedCaller(msg.sender);
        market.supplyCollateral(msg.sender, amount);
    }
}

/// @notice One position: supplies collateral (through its creator) and borrows, all in its constructor, and
/// deploys no runtime code (so each costs little more than the market's own bookkeeping).
contract BatchBorrower {
    constructor(ILendingMarket market, uint256 collateralAmount, uint256 debtAmount) {
        BatchPositionCreator(msg.sender).supplyForCaller(collateralAmount);
        market.borrow(debtAmount, msg.sender);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            return(0, 0)
        }
    }
}
