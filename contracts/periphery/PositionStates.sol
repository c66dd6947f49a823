// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    ILendingMarket,
    MarketParams,
    PositionState,
    StepPreview,
    StepStatus
} from "../interfaces/ILendingMarket.sol";
import {OracleStatus} from "../interfaces/IPriceOracle.sol";
import {LiquidationSchedule} from "../libraries/LiquidationSchedule.sol";
import {WadMath} from "../libraries/WadMath.sol";

/// @title PositionStates
/// @notice Positions' full states (`PositionState`) built outside the market from what it exposes: the stored
/// words of `packedPositions`, the books of `accounting()` and `totalNormDebt()`, the price state of
/// `priceState()`, the oracle's status (`tryPrice()`) and `params()`. The step itself is judged by the market's own
/// `LiquidationSchedule.plan` and `settle`, so a state says exactly what `previewLiquidationStep(account,
/// type(uint256).max)` says in the same block, bad-debt figure included. Used by `MarketLens` and
/// `LiquidationUpkeep`.
library PositionStates {
    using WadMath for uint256;

    uint256 internal constant MASK_112 = type(uint112).max;
    uint256 internal constant MASK_104 = type(uint104).max;
    uint256 internal constant MASK_32 = type(uint32).max;

    /// @notice The market-wide inputs of one block, read once per batch.
    struct MarketInputs {
        MarketParams params;
        bool usable;
        OracleStatus status;
        uint256 spotPriceWad;
        uint256 emaPriceWad;
        uint256 varianceWad;
        uint256 paceRoom;
        uint256 reserves;
        uint256 borrowIndexWad;
        uint256 totalNormDebt;
    }

    /// @notice The states of `accounts` (in order), with one read of the market-wide state for the whole batch.
    function read(
        ILendingMarket market,
        address[] memory accounts
    ) internal view returns (PositionState[] memory states) {
        MarketInputs memory m = marketInputs(market);
        uint256[] memory words = market.packedPositions(accounts);
        states = new PositionState[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            uint256 freeMemory;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                freeMemory := mload(0x40)
            }
            fill(states[i], m, words[i]);
            // The position's temporaries are dead (its results were copied into `states[i]`, allocated before
            // the loop): hand their memory back, so a page costs linear rather than quadratic memory gas.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
    }

    /// @notice The market-wide inputs: books accrued to now, the price state the next step would see, parameters.
    function marketInputs(ILendingMarket market) internal view returns (MarketInputs memory m) {
        (, , m.reserves, m.borrowIndexWad) = market.accounting();
        m.totalNormDebt = market.totalNormDebt();
        m.params = market.params();
        uint256 paceUsed;
        (m.usable, m.spotPriceWad, m.emaPriceWad, m.varianceWad, paceUsed) = market.priceState();
        if (m.usable) (, , m.status) = market.oracle().tryPrice();
        m.paceRoom = uint256(m.params.maxSoftSeizePerWindow).zeroFloorSub(paceUsed);
    }

    /// @notice Writes the state of the position stored as `word` into `st`, copying every result into `st`'s own
    /// memory. Word layout (ILendingMarket.packedPositions): collateral in bits 0-111, normalised debt in
    /// 112-215, the last step's time in 216-247.
    function fill(PositionState memory st, MarketInputs memory m, uint256 word) internal view {
        MarketParams memory p = m.params;
        uint256 normDebt = (word >> 112) & MASK_104;
        uint256 lastStepAt = (word >> 216) & MASK_32;
        st.collateral = word & MASK_112;
        st.debt = normDebt.wadMulUp(m.borrowIndexWad);
        st.softLiquidationPriceWad = LiquidationSchedule.liquidationPrice(
            st.collateral,
            st.debt,
            p.softLtvBps
        );
        st.hardLiquidationPriceWad = LiquidationSchedule.liquidationPrice(
            st.collateral,
            st.debt,
            p.hardLtvBps
        );
        StepPreview memory step = st.step;
        if (!m.usable) {
            step.status = StepStatus.OracleUnavailable;
            return;
        }
        st.ltvWad = LiquidationSchedule.ltvWad(
            st.debt,
            LiquidationSchedule.valueOf(st.collateral, m.spotPriceWad)
        );
        st.zone = LiquidationSchedule.zoneOf(p, st.debt, st.ltvWad);
        if (lastStepAt != 0) {
            st.nextSoftStepAt = lastStepAt + LiquidationSchedule.stepIntervalSeconds(p, m.varianceWad);
        }
        (StepPreview memory s, ) = LiquidationSchedule.plan(
            p,
            LiquidationSchedule.Inputs({
                collateral: st.collateral,
                debt: st.debt,
                lastStepAt: lastStepAt,
                spotPriceWad: m.spotPriceWad,
                emaPriceWad: m.emaPriceWad,
                varianceWad: m.varianceWad,
                oracleStatus: m.status,
                paceRoom: m.paceRoom,
                reserves: m.reserves,
                maxRepay: type(uint256).max,
                timestamp: block.timestamp
            })
        );
        if (s.status == StepStatus.Ready)
            LiquidationSchedule.settle(s, st.debt, normDebt, m.totalNormDebt, m.borrowIndexWad);
        (step.status, step.zone, step.repaid, step.seized, step.incentiveWad) = (
            s.status,
            s.zone,
            s.repaid,
            s.seized,
            s.incentiveWad
        );
        (step.tip, step.badDebt, step.ltvBeforeWad, step.ltvAfterWad) = (
            s.tip,
            s.badDebt,
            s.ltvBeforeWad,
            s.ltvAfterWad
        );
    }
}
