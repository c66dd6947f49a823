// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketParams, StepPreview, Zone} from "../interfaces/ILendingMarket.sol";
import {LiquidationSchedule} from "../libraries/LiquidationSchedule.sol";
import {PriceSmoothing} from "../libraries/PriceSmoothing.sol";
import {WadMath} from "../libraries/WadMath.sol";

/// @notice Test-only: exposes the internal functions of `WadMath`, `LiquidationSchedule` and `PriceSmoothing` as
/// external pure functions, one wrapper per library function with the same name and arguments, so that each
/// library can be unit-tested on its own (test/unit/libraries).
contract LibraryHarness {
    // ---------------------------------------------------------------- WadMath

    function mulDivDown(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return WadMath.mulDivDown(x, y, d);
    }

    function mulDivUp(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return WadMath.mulDivUp(x, y, d);
    }

    function wadMulDown(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wadMulDown(x, y);
    }

    function wadMulUp(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wadMulUp(x, y);
    }

    function wadDivDown(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wadDivDown(x, y);
    }

    function wadDivUp(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wadDivUp(x, y);
    }

    function bpsToWad(uint16 bps) external pure returns (uint256) {
        return WadMath.bpsToWad(bps);
    }

    function min(uint256 a, uint256 b) external pure returns (uint256) {
        return WadMath.min(a, b);
    }

    function zeroFloorSub(uint256 a, uint256 b) external pure returns (uint256) {
        return WadMath.zeroFloorSub(a, b);
    }

    // ---------------------------------------------------------------- LiquidationSchedule

    function validate(MarketParams memory p) external pure returns (bool ok, uint256 code) {
        return LiquidationSchedule.validate(p);
    }

    function valueOf(uint256 collateral, uint256 priceWad) external pure returns (uint256) {
        return LiquidationSchedule.valueOf(collateral, priceWad);
    }

    function ltvWad(uint256 debt, uint256 value) external pure returns (uint256) {
        return LiquidationSchedule.ltvWad(debt, value);
    }

    function zoneOf(MarketParams memory p, uint256 debt, uint256 ltv) external pure returns (Zone) {
        return LiquidationSchedule.zoneOf(p, debt, ltv);
    }

    function liquidationPrice(
        uint256 collateral,
        uint256 debt,
        uint16 ltvBps
    ) external pure returns (uint256) {
        return LiquidationSchedule.liquidationPrice(collateral, debt, ltvBps);
    }

    function volMultiplierWad(MarketParams memory p, uint256 varianceWad) external pure returns (uint256) {
        return LiquidationSchedule.volMultiplierWad(p, varianceWad);
    }

    function stepIntervalSeconds(MarketParams memory p, uint256 varianceWad) external pure returns (uint256) {
        return LiquidationSchedule.stepIntervalSeconds(p, varianceWad);
    }

    function depthWad(MarketParams memory p, uint256 ltv) external pure returns (uint256) {
        return LiquidationSchedule.depthWad(p, ltv);
    }

    function closeFactorWad(MarketParams memory p, uint256 q, uint256 m) external pure returns (uint256) {
        return LiquidationSchedule.closeFactorWad(p, q, m);
    }

    function softIncentiveWad(MarketParams memory p, uint256 q) external pure returns (uint256) {
        return LiquidationSchedule.softIncentiveWad(p, q);
    }

    function targetRepay(
        MarketParams memory p,
        uint256 debt,
        uint256 value,
        uint256 incentive
    ) external pure returns (uint256) {
        return LiquidationSchedule.targetRepay(p, debt, value, incentive);
    }

    function plan(
        MarketParams memory p,
        LiquidationSchedule.Inputs memory x
    ) external pure returns (StepPreview memory s, uint256 nextAt) {
        return LiquidationSchedule.plan(p, x);
    }

    /// @dev `payout` is `LiquidationSchedule.Payout` (ABI uint8: 0 AtIncentive, 1 ProRata, 2 AllForCover).
    function hardTerms(
        MarketParams memory p,
        uint256 debt,
        uint256 collateral,
        uint256 priceWad
    ) external pure returns (uint256 incentive, uint256 fullRepay, LiquidationSchedule.Payout payout) {
        return LiquidationSchedule.hardTerms(p, debt, collateral, priceWad);
    }

    // ---------------------------------------------------------------- PriceSmoothing

    function nextEma(
        uint256 ema,
        uint256 spot,
        uint256 elapsed,
        uint256 tau
    ) external pure returns (uint256) {
        return PriceSmoothing.nextEma(ema, spot, elapsed, tau);
    }

    function nextVariance(
        uint256 variance,
        uint256 lastPrice,
        uint256 spot,
        uint256 elapsed,
        uint256 tau
    ) external pure returns (uint256) {
        return PriceSmoothing.nextVariance(variance, lastPrice, spot, elapsed, tau);
    }

    function drainedPace(
        uint256 used,
        uint256 elapsed,
        uint256 cap,
        uint256 window
    ) external pure returns (uint256) {
        return PriceSmoothing.drainedPace(used, elapsed, cap, window);
    }
}
