// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WadMath} from "./WadMath.sol";

/// @title KinkedRate
/// @notice The utilisation-kinked borrow rate as a pure function: `base + slope1 × u / kink` up to the kink, then
/// `slope2` per unit of utilisation beyond it. `KinkedRateModel` quotes it, and a market computes it in place from
/// the curve a kinked model declares (`IKinkedRateModel.kinkedCurve`), so the two cannot disagree.
library KinkedRate {
    using WadMath for uint256;

    uint256 internal constant WAD = WadMath.WAD;

    /// @notice A curve: per-second rates (WAD) and the kink's utilisation (WAD, in (0, 1]).
    struct Curve {
        uint256 baseRatePerSecondWad;
        uint256 slope1PerSecondWad;
        uint256 slope2PerSecondWad;
        uint256 kinkWad;
    }

    /// @notice Share of the market's assets that is lent out, WAD, rounded down; 0 for an empty market.
    function utilisationWad(uint256 cash, uint256 totalDebt) internal pure returns (uint256) {
        uint256 assets = cash + totalDebt;
        return assets == 0 ? 0 : totalDebt.wadDivDown(assets);
    }

    /// @notice The curve's borrow rate per second (WAD) at the market's cash and debt; each term rounds down.
    function ratePerSecondWad(
        Curve memory c,
        uint256 cash,
        uint256 totalDebt
    ) internal pure returns (uint256) {
        uint256 u = utilisationWad(cash, totalDebt);
        if (u <= c.kinkWad) return c.baseRatePerSecondWad + c.slope1PerSecondWad.mulDivDown(u, c.kinkWad);
        // kink < u <= WAD here, so WAD - kink > 0.
        return
            c.baseRatePerSecondWad +
            c.slope1PerSecondWad +
            c.slope2PerSecondWad.mulDivDown(u - c.kinkWad, WAD - c.kinkWad);
    }
}
