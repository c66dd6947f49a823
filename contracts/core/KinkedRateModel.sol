// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKinkedRateModel, IRateModel} from "../interfaces/IRateModel.sol";
import {KinkedRate} from "../libraries/KinkedRate.sol";
import {WadMath} from "../libraries/WadMath.sol";

/// @title KinkedRateModel
/// @notice Utilisation-kinked borrow rate: `base + slope1 * u` up to the kink, then `slope2` per unit of
/// utilisation beyond it (`KinkedRate`). Immutable: a new curve is a new model. It declares its curve
/// (`IKinkedRateModel`), so a market computes the same rate in place instead of calling it.
contract KinkedRateModel is IKinkedRateModel {
    /// @notice A curve parameter is out of bounds: kink must be in (0, 1] WAD and each rate at most 10 (1000 %)
    /// a year.
    error RateModelInvalidParams();

    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    uint256 internal constant MAX_RATE_PER_YEAR_WAD = 10e18;

    uint256 public immutable baseRatePerSecondWad;
    uint256 public immutable slope1PerSecondWad;
    uint256 public immutable slope2PerSecondWad;
    /// @notice Utilisation at the kink, WAD.
    uint256 public immutable kinkWad;

    /// @param baseRatePerYearWad Rate at 0 % utilisation, per year, WAD.
    /// @param slope1PerYearWad Rate added between 0 and the kink (at the kink: base + slope1), per year, WAD.
    /// @param slope2PerYearWad Rate added between the kink and 100 %, per year, WAD.
    /// @param kinkUtilisationWad Utilisation of the kink, WAD (e.g. 0.8e18).
    constructor(
        uint256 baseRatePerYearWad,
        uint256 slope1PerYearWad,
        uint256 slope2PerYearWad,
        uint256 kinkUtilisationWad
    ) {
        if (
            kinkUtilisationWad == 0 ||
            kinkUtilisationWad > WadMath.WAD ||
            baseRatePerYearWad > MAX_RATE_PER_YEAR_WAD ||
            slope1PerYearWad > MAX_RATE_PER_YEAR_WAD ||
            slope2PerYearWad > MAX_RATE_PER_YEAR_WAD
        ) revert RateModelInvalidParams();
        // Per-second rates round down: the curve is a quote, the index rounds debt up where it is applied.
        baseRatePerSecondWad = baseRatePerYearWad / SECONDS_PER_YEAR;
        slope1PerSecondWad = slope1PerYearWad / SECONDS_PER_YEAR;
        slope2PerSecondWad = slope2PerYearWad / SECONDS_PER_YEAR;
        kinkWad = kinkUtilisationWad;
    }

    /// @notice Share of the market's assets that is lent out, WAD, rounded down; 0 for an empty market.
    function utilisationWad(uint256 cash, uint256 totalDebt) public pure returns (uint256) {
        return KinkedRate.utilisationWad(cash, totalDebt);
    }

    /// @inheritdoc IRateModel
    function borrowRatePerSecondWad(uint256 cash, uint256 totalDebt) external view returns (uint256) {
        return KinkedRate.ratePerSecondWad(_curve(), cash, totalDebt);
    }

    /// @inheritdoc IKinkedRateModel
    function kinkedCurve() external view returns (uint256, uint256, uint256, uint256) {
        return (baseRatePerSecondWad, slope1PerSecondWad, slope2PerSecondWad, kinkWad);
    }

    function _curve() internal view returns (KinkedRate.Curve memory) {
        return KinkedRate.Curve(baseRatePerSecondWad, slope1PerSecondWad, slope2PerSecondWad, kinkWad);
    }
}
