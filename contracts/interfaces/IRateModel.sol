// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRateModel
/// @notice Borrow rate of a market as a function of its state. Pluggable: the market's admin may swap it.
interface IRateModel {
    /// @param cash Debt tokens the market holds for lenders and reserves, base units.
    /// @param totalDebt Debt owed to the market including accrued interest, base units.
    /// @return ratePerSecondWad Borrow rate per second, WAD (0.05e18 / 365 days is 5 % a year, simple).
    function borrowRatePerSecondWad(
        uint256 cash,
        uint256 totalDebt
    ) external view returns (uint256 ratePerSecondWad);
}
