// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketParams, StepPreview, StepStatus, Zone} from "../interfaces/ILendingMarket.sol";
import {OracleStatus} from "../interfaces/IPriceOracle.sol";
import {WadMath} from "./WadMath.sol";

/// @title LiquidationSchedule
/// @notice The stepwise-unwinding rules as pure functions: zones, close factor, incentive, target repay, wick
/// filter, volatility scaling, hard-zone terms, dust. The market's step and its preview both call `plan`, so the
/// two cannot disagree. Formulas and bounds: docs/MECHANISM.md.
library LiquidationSchedule {
    using WadMath for uint256;

    uint256 internal constant WAD = WadMath.WAD;
    uint256 internal constant BPS = 1e4;

    // ---------------------------------------------------------------- bounds (hard-coded, checked by validate)

    /// @dev Highest incentive the admin may set: 2000 bps = 20 %.
    uint256 internal constant MAX_INCENTIVE_BPS = 2000;
    /// @dev Highest reserve factor: 5000 bps = half of the interest.
    uint256 internal constant MAX_RESERVE_FACTOR_BPS = 5000;
    uint256 internal constant MAX_STEP_INTERVAL_SECONDS = 1 days;
    uint256 internal constant MAX_PACE_WINDOW_SECONDS = 7 days;
    uint256 internal constant MAX_CONFIRM_DELAY_SECONDS = 1 days;
    uint256 internal constant MIN_VOL_TAU_SECONDS = 1 hours;
    uint256 internal constant MAX_VOL_TAU_SECONDS = 30 days;

    // ---------------------------------------------------------------- validation

    /// @notice Whether every bound holds; when not, `code` names the first that fails (MECHANISM.md, "Parameters:
    /// defaults and bounds"). The market reverts `MarketInvalidParams(code)`.
    function validate(MarketParams memory p) internal pure returns (bool ok, uint256 code) {
        if (p.maxLtvBps == 0 || p.maxLtvBps >= p.softLtvBps) return (false, 1);
        if (p.softLtvBps > p.hardLtvBps) return (false, 2);
        // hardLtv * (1 + incentiveMax) < 1: a position entering the hard zone can still pay the full incentive.
        if (uint256(p.hardLtvBps) * (BPS + p.incentiveMaxBps) >= BPS * BPS) return (false, 3);
        if (p.targetLtvBps != 0 && p.targetLtvBps >= p.softLtvBps) return (false, 4);
        if (
            p.closeFactorMinBps == 0 || p.closeFactorMinBps > p.closeFactorMaxBps || p.closeFactorMaxBps > BPS
        ) {
            return (false, 5);
        }
        if (
            p.incentiveMinBps > p.incentiveMaxBps ||
            p.incentiveMaxBps > MAX_INCENTIVE_BPS ||
            p.incentiveHardMinBps > p.incentiveMaxBps
        ) return (false, 6);
        if (p.reserveFactorBps > MAX_RESERVE_FACTOR_BPS) return (false, 7);
        if (p.volLowBps >= p.volHighBps) return (false, 8);
        if (p.stepIntervalSeconds > MAX_STEP_INTERVAL_SECONDS) return (false, 9);
        if (p.paceWindowSeconds == 0 || p.paceWindowSeconds > MAX_PACE_WINDOW_SECONDS) return (false, 10);
        if (p.confirmDelaySeconds > MAX_CONFIRM_DELAY_SECONDS) return (false, 11);
        if (p.volTauSeconds < MIN_VOL_TAU_SECONDS || p.volTauSeconds > MAX_VOL_TAU_SECONDS)
            return (false, 12);
        if (p.maxSoftSeizePerWindow == 0) return (false, 13);
        if (p.minDebt == 0) return (false, 14);
        // The tip is below the incentive its owner pays when a minDebt position is unwound at the lowest rate.
        if (uint256(p.keeperTip) * BPS > uint256(p.minDebt) * p.incentiveMinBps) return (false, 15);
        return (true, 0);
    }

    // ---------------------------------------------------------------- position arithmetic

    /// @notice Collateral value in debt units at `priceWad`, rounded down (against the borrower).
    function valueOf(uint256 collateral, uint256 priceWad) internal pure returns (uint256) {
        return collateral.wadMulDown(priceWad);
    }

    /// @notice debt / value, WAD, rounded up; max uint when debt is backed by nothing, 0 without debt.
    function ltvWad(uint256 debt, uint256 value) internal pure returns (uint256) {
        if (debt == 0) return 0;
        if (value == 0) return type(uint256).max;
        return debt.wadDivUp(value);
    }

    /// @notice Zone of a position with `debt` at LTV `ltv`.
    function zoneOf(MarketParams memory p, uint256 debt, uint256 ltv) internal pure returns (Zone) {
        if (debt == 0) return Zone.None;
        if (ltv >= WadMath.bpsToWad(p.hardLtvBps)) return Zone.Hard;
        if (ltv >= WadMath.bpsToWad(p.softLtvBps)) return Zone.Soft;
        return Zone.Healthy;
    }

    /// @notice Oracle price at which a position's LTV equals `ltvBps`: debt / (collateral * ltv), rounded up
    /// (the warning price errs early). 0 without debt or collateral.
    function liquidationPrice(
        uint256 collateral,
        uint256 debt,
        uint16 ltvBps
    ) internal pure returns (uint256) {
        if (debt == 0 || collateral == 0) return 0;
        return debt.mulDivUp(WAD * WAD, collateral * WadMath.bpsToWad(ltvBps));
    }

    // ---------------------------------------------------------------- volatility scaling

    /// @notice Multiplier m in [1, 2] (WAD): 1 at or below `volLow`, 2 at or above `volHigh`, linear in variance
    /// in between. Rounded down.
    function volMultiplierWad(MarketParams memory p, uint256 varianceWad) internal pure returns (uint256) {
        // A volatility of v bps as a variance in WAD: (v 1e14)^2 / 1e18 = v^2 1e10, exact; at most
        // 65,535^2 x 1e10 < 2^66, so unchecked.
        uint256 lowVar;
        uint256 highVar;
        unchecked {
            lowVar = uint256(p.volLowBps) * p.volLowBps * 1e10;
            highVar = uint256(p.volHighBps) * p.volHighBps * 1e10;
        }
        if (varianceWad <= lowVar) return WAD;
        if (varianceWad >= highVar) return 2 * WAD;
        return WAD + (varianceWad - lowVar).mulDivDown(WAD, highVar - lowVar);
    }

    /// @notice Spacing between soft steps: `stepInterval / m`, seconds, rounded down (shorter when volatile).
    function stepIntervalSeconds(MarketParams memory p, uint256 varianceWad) internal pure returns (uint256) {
        return _interval(p, volMultiplierWad(p, varianceWad));
    }

    /// @dev `stepInterval / m` for a multiplier already computed.
    function _interval(MarketParams memory p, uint256 m) private pure returns (uint256) {
        return uint256(p.stepIntervalSeconds).mulDivDown(WAD, m);
    }

    // ---------------------------------------------------------------- soft zone

    /// @notice Depth q in the soft zone, WAD in [0, 1): (ltv - soft) / (hard - soft), rounded down.
    function depthWad(MarketParams memory p, uint256 ltv) internal pure returns (uint256) {
        uint256 soft = WadMath.bpsToWad(p.softLtvBps);
        return (ltv - soft).mulDivDown(WAD, WadMath.bpsToWad(p.hardLtvBps) - soft);
    }

    /// @notice Close factor at depth q and multiplier m, WAD: cfLow + q (cfMax - cfLow), with
    /// cfLow = min(cfMin * m, cfMax). Rounded down.
    function closeFactorWad(MarketParams memory p, uint256 q, uint256 m) internal pure returns (uint256) {
        uint256 cfMax = WadMath.bpsToWad(p.closeFactorMaxBps);
        uint256 cfLow = WadMath.bpsToWad(p.closeFactorMinBps).wadMulDown(m);
        if (cfLow > cfMax) cfLow = cfMax;
        return cfLow + (cfMax - cfLow).wadMulDown(q);
    }

    /// @notice Soft incentive at depth q, WAD: incMin + q (incMax - incMin), rounded down.
    function softIncentiveWad(MarketParams memory p, uint256 q) internal pure returns (uint256) {
        uint256 incMin = WadMath.bpsToWad(p.incentiveMinBps);
        return incMin + (WadMath.bpsToWad(p.incentiveMaxBps) - incMin).wadMulDown(q);
    }

    /// @notice Repay that brings LTV to `targetLtv` when the keeper takes `(1 + inc)` of it in collateral:
    /// (D - T V) / (1 - T (1 + inc)), rounded up so the target is reached. D when the target is disabled.
    function targetRepay(
        MarketParams memory p,
        uint256 debt,
        uint256 value,
        uint256 incentive
    ) internal pure returns (uint256) {
        if (p.targetLtvBps == 0) return debt;
        uint256 target = WadMath.bpsToWad(p.targetLtvBps);
        // validate() keeps target (1 + inc) <= hardLtv (1 + incMax) < 1, so the denominator is positive.
        return
            debt.zeroFloorSub(target.wadMulDown(value)).mulDivUp(WAD, WAD - target.wadMulUp(WAD + incentive));
    }

    // ---------------------------------------------------------------- the plan

    /// @notice How a step's collateral is computed from its repay.
    /// @dev `AtIncentive`: r (1 + inc) / price. `ProRata`: C r / D (hard zone, collateral covers the debt but not
    /// the full incentive). `AllForCover`: as AtIncentive, except that the repay closing the position takes all
    /// collateral and the rest of the debt is written off (hard zone, below the incentive floor).
    enum Payout {
        AtIncentive,
        ProRata,
        AllForCover
    }

    /// @notice Everything a step depends on, read once by the market.
    struct Inputs {
        uint256 collateral;
        uint256 debt;
        uint256 lastStepAt;
        uint256 spotPriceWad;
        uint256 emaPriceWad;
        uint256 varianceWad;
        OracleStatus oracleStatus;
        /// @dev Collateral value soft steps may still seize in the current pace window.
        uint256 paceRoom;
        uint256 reserves;
        uint256 maxRepay;
        uint256 timestamp;
    }

    /// @notice The step `Inputs` allow. `s.status != Ready` means no step; `nextAt` is then the time spacing
    /// allows one (TooSoon) or 0. `s.badDebt` is `debt - repaid` when all collateral goes; the market books the
    /// exact write-off.
    function plan(
        MarketParams memory p,
        Inputs memory x
    ) internal pure returns (StepPreview memory s, uint256 nextAt) {
        if (x.debt == 0) {
            s.status = StepStatus.NoDebt;
            return (s, 0);
        }
        uint256 value = valueOf(x.collateral, x.spotPriceWad);
        s.ltvBeforeWad = ltvWad(x.debt, value);
        s.zone = zoneOf(p, x.debt, s.ltvBeforeWad);
        if (s.zone == Zone.Healthy) {
            s.status = StepStatus.Healthy;
            return (s, 0);
        }
        if (x.maxRepay == 0) {
            s.status = StepStatus.RepayTooSmall;
            return (s, 0);
        }

        uint256 fullRepay;
        uint256 maxRepay;
        Payout payout;
        if (s.zone == Zone.Soft) {
            // The volatility multiplier scales both the spacing and the close factor: computed once.
            uint256 m = volMultiplierWad(p, x.varianceWad);
            StepStatus blocked;
            (blocked, nextAt) = _softGate(p, x, m);
            if (blocked != StepStatus.Ready) {
                s.status = blocked;
                return (s, nextAt);
            }
            (s.incentiveWad, fullRepay) = _softTerms(p, x, value, s.ltvBeforeWad, m);
            maxRepay = fullRepay.min(x.paceRoom.mulDivDown(WAD, WAD + s.incentiveWad));
            if (maxRepay == 0) {
                s.status = StepStatus.PaceCapReached;
                return (s, 0);
            }
            // A soft step takes at least half of what is allowed now, so that a dust step cannot restart the
            // position's spacing clock and stall its unwinding.
            if (x.maxRepay < maxRepay - maxRepay / 2) {
                s.status = StepStatus.RepayTooSmall;
                return (s, 0);
            }
        } else {
            (s.incentiveWad, fullRepay, payout) = hardTerms(p, x.debt, x.collateral, x.spotPriceWad);
            maxRepay = fullRepay;
        }

        s.repaid = x.maxRepay.min(maxRepay);
        s.seized = _seize(x, s.repaid, fullRepay, s.incentiveWad, payout);
        // The value left, once known for the seizure that stands, serves the LTV after the step.
        uint256 remainingValue = type(uint256).max;
        if (s.repaid != x.debt && s.seized != x.collateral) {
            // A partial step must leave at least minDebt of debt and of collateral value, or dust nobody
            // will pay gas to clear would block the position (and its bad-debt write-off).
            remainingValue = valueOf(x.collateral - s.seized, x.spotPriceWad);
            if (x.debt - s.repaid < p.minDebt || remainingValue < p.minDebt) {
                uint256 cap = x.debt.zeroFloorSub(p.minDebt).min(
                    value.zeroFloorSub(p.minDebt).mulDivDown(WAD, WAD + s.incentiveWad)
                );
                s.repaid = s.repaid.min(cap);
                if (s.repaid == 0) {
                    (s.status, s.seized) = (StepStatus.LeavesDust, 0);
                    return (s, 0);
                }
                s.seized = _seize(x, s.repaid, fullRepay, s.incentiveWad, payout);
                remainingValue = type(uint256).max;
            }
        }

        if (s.repaid == fullRepay) s.tip = uint256(p.keeperTip).min(x.reserves).min(s.repaid);
        if (s.repaid < x.debt) {
            if (s.seized == x.collateral) {
                s.badDebt = x.debt - s.repaid;
            } else {
                if (remainingValue == type(uint256).max) {
                    remainingValue = valueOf(x.collateral - s.seized, x.spotPriceWad);
                }
                s.ltvAfterWad = ltvWad(x.debt - s.repaid, remainingValue);
            }
        }
        // (A step that repays the whole debt leaves LTV 0 and no bad debt.)
        s.status = StepStatus.Ready;
    }

    /// @notice The normalised debt a ready step `s` removes from a position of normalised debt `normDebt` (debt
    /// `debt` at borrow index `indexWad`), and the bad debt as the market books it, given the market's total
    /// normalised debt. A step that closes the position (all debt repaid, or all collateral taken) removes all of
    /// it; a partial step is credited `repaid / index`, rounded down (no more normalised debt than the repay buys).
    /// A write-off is booked as the exact fall of lenders' assets: total debt falls by the whole position (each
    /// total rounded up), cash rises by `repaid`; `s.badDebt` is set to that figure. The step and the lens's
    /// position states both call this, so they report the same write-off.
    function settle(
        StepPreview memory s,
        uint256 debt,
        uint256 normDebt,
        uint256 totalNormDebt,
        uint256 indexWad
    ) internal pure returns (uint256 normRepaid) {
        if (s.repaid != debt && s.badDebt == 0) return s.repaid.wadDivDown(indexWad);
        if (s.badDebt != 0) {
            uint256 debtDrop =
                totalNormDebt.wadMulUp(indexWad) - (totalNormDebt - normDebt).wadMulUp(indexWad);
            s.badDebt = debtDrop.zeroFloorSub(s.repaid);
        }
        return normDebt;
    }

    /// @notice Hard-zone terms: incentive (WAD), the repay that closes the position, and how collateral is paid.
    /// Collateral worth at least D (1 + incMax): incMax, repay up to D. Worth at least D (1 + incHardMin): the
    /// keeper repays D for all collateral (incentive V/D - 1, rounded down), so no loss is booked. Below that:
    /// incHardMin, the keeper repays V / (1 + incHardMin) (rounded up) for all collateral and the rest of the
    /// debt is written off. The rows are chosen, and the last repay computed, from the exact product C x P
    /// (below 2^240), not from the rounded value, so that splitting a step cannot move it across a row.
    function hardTerms(
        MarketParams memory p,
        uint256 debt,
        uint256 collateral,
        uint256 priceWad
    ) internal pure returns (uint256 incentive, uint256 fullRepay, Payout payout) {
        uint256 valueTimesWad = collateral * priceWad;
        uint256 incMax = WadMath.bpsToWad(p.incentiveMaxBps);
        if (valueTimesWad >= debt * (WAD + incMax)) return (incMax, debt, Payout.AtIncentive);
        uint256 incFloor = WadMath.bpsToWad(p.incentiveHardMinBps);
        if (valueTimesWad >= debt * (WAD + incFloor))
            return (valueTimesWad / debt - WAD, debt, Payout.ProRata);
        return (incFloor, valueTimesWad.mulDivUp(1, WAD + incFloor), Payout.AllForCover);
    }

    /// @dev Spacing (volatility-scaled), sequencer and wick filter checks of a soft step. Wick filter: while spot is
    /// below the smoothed price E, the fall is not confirmed yet and the position must be in the soft zone at E too
    /// (the hard zone never waits). The LTV at E rounds like the zone's own (value down, LTV up).
    function _softGate(
        MarketParams memory p,
        Inputs memory x,
        uint256 m
    ) private pure returns (StepStatus, uint256 nextAt) {
        if (x.oracleStatus != OracleStatus.Ok) return (StepStatus.SequencerNotReady, 0);
        if (x.lastStepAt != 0) {
            nextAt = x.lastStepAt + _interval(p, m);
            if (x.timestamp < nextAt) return (StepStatus.TooSoon, nextAt);
        }
        if (
            x.emaPriceWad > x.spotPriceWad &&
            ltvWad(x.debt, valueOf(x.collateral, x.emaPriceWad)) < WadMath.bpsToWad(p.softLtvBps)
        ) return (StepStatus.Unconfirmed, 0);
        return (StepStatus.Ready, 0);
    }

    /// @dev Soft incentive and the largest repay the schedule allows (close factor, target, dust).
    function _softTerms(
        MarketParams memory p,
        Inputs memory x,
        uint256 value,
        uint256 ltv,
        uint256 m
    ) private pure returns (uint256 incentive, uint256 fullRepay) {
        uint256 q = depthWad(p, ltv);
        incentive = softIncentiveWad(p, q);
        uint256 cf = closeFactorWad(p, q, m);
        // Close-factor cap rounds down (the keeper may take less, never more).
        fullRepay = x.debt.wadMulDown(cf).min(targetRepay(p, x.debt, value, incentive)).min(x.debt);
        // Close rather than leave dust, or when the close factor rounds a tiny debt's step to nothing.
        if (fullRepay == 0 || x.debt - fullRepay < p.minDebt) fullRepay = x.debt;
    }

    /// @dev Collateral for `repaid`: pro rata C r / D in the covered hard case, all of it for the closing repay
    /// of the bad-debt case, else r (1 + inc) / price; rounded down and never above the position's collateral.
    function _seize(
        Inputs memory x,
        uint256 repaid,
        uint256 fullRepay,
        uint256 incentive,
        Payout payout
    ) private pure returns (uint256) {
        if (payout == Payout.ProRata) return x.collateral.mulDivDown(repaid, x.debt);
        if (payout == Payout.AllForCover && repaid == fullRepay) return x.collateral;
        return repaid.mulDivDown(WAD + incentive, x.spotPriceWad).min(x.collateral);
    }
}
