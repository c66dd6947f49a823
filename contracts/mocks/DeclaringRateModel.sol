// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRateModel} from "../interfaces/IRateModel.sol";

/// @notice Test rate model: quotes a fixed per-second rate and, when told to, declares a kinked curve (any values,
/// in or out of bounds) through `kinkedCurve()`, which otherwise reverts like a model without one.
contract DeclaringRateModel is IRateModel {
    uint256 public immutable ratePerSecondWad;
    bool public immutable declares;
    uint256 internal immutable _base;
    uint256 internal immutable _slope1;
    uint256 internal immutable _slope2;
    uint256 internal immutable _kink;

    constructor(uint256 rate, bool declares_, uint256 base, uint256 slope1, uint256 slope2, uint256 kink) {
        (ratePerSecondWad, declares, _base, _slope1, _slope2, _kink) = (
            rate,
            declares_,
            base,
            slope1,
            slope2,
            kink
        );
    }

    function borrowRatePerSecondWad(uint256, uint256) external view returns (uint256) {
        return ratePerSecondWad;
    }

    function kinkedCurve() external view returns (uint256, uint256, uint256, uint256) {
        require(declares, "no curve");
        return (_base, _slope1, _slope2, _kink);
    }
}
