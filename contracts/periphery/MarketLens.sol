// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ILendingMarket, MarketParams, PositionState} from "../interfaces/ILendingMarket.sol";
import {OracleStatus} from "../interfaces/IPriceOracle.sol";
import {LiquidationSchedule} from "../libraries/LiquidationSchedule.sol";
import {PositionStates} from "./PositionStates.sol";

/// @title MarketLens
/// @notice Read-only batch views over markets for keepers and frontends: one call returns a market's summary, a
/// position's full state, or a page of positions with its addresses, so a keeper evaluates thousands of positions
/// in a handful of RPC requests. The rich views live here rather than in the market, which keeps its code for the
/// actions; they are built from the market's own views with its own schedule (`PositionStates`).
contract MarketLens {
    /// @notice Everything a dashboard shows about a market, as of this block.
    struct MarketSummary {
        address market;
        address collateralToken;
        address debtToken;
        uint8 collateralDecimals;
        uint8 debtDecimals;
        /// @notice Debt tokens held for lenders and reserves, base units.
        uint256 cash;
        /// @notice Debt owed with interest to now, base units.
        uint256 totalDebt;
        uint256 reserves;
        uint256 borrowIndexWad;
        /// @notice Lenders' assets (ERC-4626 `totalAssets`) and shares outstanding.
        uint256 totalAssets;
        uint256 totalShares;
        /// @notice Share of lent-out assets, WAD.
        uint256 utilisationWad;
        bool oracleUsable;
        OracleStatus oracleStatus;
        uint256 spotPriceWad;
        uint256 emaPriceWad;
        uint256 varianceWad;
        /// @notice Volatility multiplier of spacing and close factor, WAD in [1, 2].
        uint256 volMultiplierWad;
        /// @notice Collateral value seized by soft steps still in the pace bucket, and its capacity.
        uint256 paceUsed;
        uint256 paceCap;
        uint256 borrowersCount;
        bool paused;
        MarketParams params;
    }

    /// @notice The market's figures in one call.
    function marketSummary(ILendingMarket market) public view returns (MarketSummary memory s) {
        s.market = address(market);
        s.collateralToken = market.collateralToken();
        s.debtToken = IERC4626(address(market)).asset();
        s.collateralDecimals = IERC20Metadata(s.collateralToken).decimals();
        s.debtDecimals = IERC20Metadata(s.debtToken).decimals();
        (s.cash, s.totalDebt, s.reserves, s.borrowIndexWad) = market.accounting();
        s.totalAssets = IERC4626(address(market)).totalAssets();
        s.totalShares = IERC4626(address(market)).totalSupply();
        uint256 lendable = s.cash + s.totalDebt;
        // Rounded down; 0 for an empty market.
        s.utilisationWad = lendable == 0 ? 0 : (s.totalDebt * 1e18) / lendable;
        (s.oracleUsable, , s.oracleStatus) = market.oracle().tryPrice();
        (, s.spotPriceWad, s.emaPriceWad, s.varianceWad, s.paceUsed) = market.priceState();
        s.params = market.params();
        s.volMultiplierWad = LiquidationSchedule.volMultiplierWad(s.params, s.varianceWad);
        s.paceCap = s.params.maxSoftSeizePerWindow;
        s.borrowersCount = market.borrowersLength();
        s.paused = IPausableView(address(market)).paused();
    }

    /// @notice Summaries of several markets.
    function marketSummaries(
        ILendingMarket[] calldata markets
    ) external view returns (MarketSummary[] memory out) {
        out = new MarketSummary[](markets.length);
        for (uint256 i; i < markets.length; ++i) out[i] = marketSummary(markets[i]);
    }

    /// @notice A position's full state: collateral, debt, LTV, zone, liquidation prices, next soft-step time, and
    /// the step an unlimited `maxRepay` would do now (as `previewLiquidationStep` reports it).
    function positionState(
        ILendingMarket market,
        address account
    ) external view returns (PositionState memory) {
        address[] memory one = new address[](1);
        one[0] = account;
        return PositionStates.read(market, one)[0];
    }

    /// @notice Many positions of one market at once, with one read of the market-wide state (and the oracle):
    /// keepers evaluate whole pages in one call.
    function positionStates(
        ILendingMarket market,
        address[] calldata accounts
    ) external view returns (PositionState[] memory) {
        return PositionStates.read(market, accounts);
    }

    /// @notice The borrowers at `[start, start + count)` of the market's list, with their states (one oracle read).
    function positionsPage(
        ILendingMarket market,
        uint256 start,
        uint256 count
    ) external view returns (address[] memory accounts, PositionState[] memory states) {
        accounts = market.borrowersSlice(start, count);
        states = PositionStates.read(market, accounts);
    }
}

interface IPausableView {
    function paused() external view returns (bool);
}
