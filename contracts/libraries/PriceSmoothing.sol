// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WadMath} from "./WadMath.sol";

/// @title PriceSmoothing
/// @notice The market's view of its price history: a time-weighted moving average of the oracle price (the wick
/// filter) and an exponentially weighted estimate of the annualised variance of returns (volatility scaling),
/// plus the leaky bucket that paces soft-step seizures. Pure functions of the stored state and elapsed time.
library PriceSmoothing {
    using WadMath for uint256;

    uint256 internal constant WAD = WadMath.WAD;
    /// @dev One update moves the smoothed price by at most a quarter of its gap to spot, however long the market
    /// sat idle: the spot path in between was not observed, so it must not count as if it had been.
    uint256 internal constant EMA_MAX_UPDATE_WEIGHT_WAD = 0.25e18;
    /// @dev A return larger than 50 % between two updates counts as 50 % in the variance estimate.
    uint256 internal constant MAX_RETURN_WAD = 0.5e18;
    /// @dev Cap of the variance estimate: 16 = (400 % a year)^2; keeps it within uint64.
    uint256 internal constant MAX_VARIANCE_WAD = 16e18;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    /// @dev The market samples a return for the variance estimate at most once per 5 minutes.
    uint256 internal constant VARIANCE_SAMPLE_SECONDS = 5 minutes;

    /// @notice Smoothed price after `elapsed` seconds at `spot`: ema + (spot - ema) w, with
    /// w = min(elapsed / tau, 1/4). `tau == 0` disables smoothing. The move is rounded toward the old value.
    function nextEma(
        uint256 ema,
        uint256 spot,
        uint256 elapsed,
        uint256 tau
    ) internal pure returns (uint256) {
        if (tau == 0 || ema == 0) return spot;
        uint256 w = elapsed.mulDivDown(WAD, tau).min(EMA_MAX_UPDATE_WEIGHT_WAD);
        return spot >= ema ? ema + (spot - ema).wadMulDown(w) : ema - (ema - spot).wadMulDown(w);
    }

    /// @notice Variance (annualised, WAD) after a return from `lastPrice` to `spot` over `elapsed` seconds:
    /// v (1 - w) + r^2 * YEAR / max(elapsed, tau), with w = min(elapsed / tau, 1) and |r| capped at 50 %.
    /// For elapsed <= tau this is the EWMA of the per-update variance rate r^2 / elapsed with weight
    /// elapsed / tau, so the estimate does not depend on how often it is updated. The new sample rounds down,
    /// the decay of the old estimate too (keeping under 1 wei more of it); the result is capped.
    function nextVariance(
        uint256 variance,
        uint256 lastPrice,
        uint256 spot,
        uint256 elapsed,
        uint256 tau
    ) internal pure returns (uint256) {
        if (lastPrice == 0 || elapsed == 0) return variance;
        uint256 move = spot > lastPrice ? spot - lastPrice : lastPrice - spot;
        uint256 r = move.wadDivDown(lastPrice).min(MAX_RETURN_WAD);
        uint256 w = elapsed.mulDivDown(WAD, tau).min(WAD);
        uint256 sample = r.wadMulDown(r).mulDivDown(SECONDS_PER_YEAR, elapsed > tau ? elapsed : tau);
        return (variance - variance.wadMulDown(w) + sample).min(MAX_VARIANCE_WAD);
    }

    /// @notice Pace used after `elapsed` seconds: the bucket drains `cap` per `window`, linearly (drain rounded
    /// down, so room reappears no faster than the cap allows).
    function drainedPace(
        uint256 used,
        uint256 elapsed,
        uint256 cap,
        uint256 window
    ) internal pure returns (uint256) {
        return used.zeroFloorSub(cap.mulDivDown(elapsed, window));
    }
}
