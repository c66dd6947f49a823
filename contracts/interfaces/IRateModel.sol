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

/// @title IKinkedRateModel
/// @notice A rate model whose rate is a fixed kinked curve (`KinkedRate`). A market whose model declares its curve
/// reads it once, when the model is set, and computes the rate in place with `KinkedRate` instead of calling the
/// model at every accrual; so the declaration must never change (`KinkedRateModel`'s curve is immutable). Models
/// that do not declare one are called.
interface IKinkedRateModel is IRateModel {
    /// @return baseRatePerSecondWad Rate at 0 % utilisation, per second, WAD.
    /// @return slope1PerSecondWad Rate added between 0 and the kink, per second, WAD.
    /// @return slope2PerSecondWad Rate added between the kink and 100 %, per second, WAD.
    /// @return kinkWad Utilisation at the kink, WAD, in (0, 1e18].
    function kinkedCurve()
        external
        view
        returns (
            uint256 baseRatePerSecondWad,
            uint256 slope1PerSecondWad,
            uint256 slope2PerSecondWad,
            uint256 kinkWad
        );
}
