// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceOracle, OracleStatus} from "./IPriceOracle.sol";
import {IRateModel} from "./IRateModel.sol";

/// @notice Per-market risk parameters. Figures in bps (1e4 = 100 %), seconds, or debt-token base units.
/// Every bound is checked by `LiquidationSchedule.validate`; see docs/MECHANISM.md for their meaning.
/// @dev Packed in three storage slots so that one step reads them for 6.3k gas.
struct MarketParams {
    // slot 1: 12 x 16 + 2 x 32 bits
    /// @notice Highest LTV a borrow or collateral withdrawal may leave, bps.
    uint16 maxLtvBps;
    /// @notice LTV at which soft (partial, paced) unwinding starts, bps. Equal to `hardLtvBps`: no soft zone.
    uint16 softLtvBps;
    /// @notice LTV from which a position is closed at once, bps.
    uint16 hardLtvBps;
    /// @notice LTV a soft step aims to restore, bps; 0 disables the target cap.
    uint16 targetLtvBps;
    /// @notice Close factor at `softLtv` (before volatility scaling), bps of debt.
    uint16 closeFactorMinBps;
    /// @notice Close factor as LTV reaches `hardLtv`, bps of debt.
    uint16 closeFactorMaxBps;
    /// @notice Keeper incentive at `softLtv`, bps of the repaid amount.
    uint16 incentiveMinBps;
    /// @notice Keeper incentive as LTV reaches `hardLtv`, and in the hard zone, bps.
    uint16 incentiveMaxBps;
    /// @notice Floor of the hard-zone incentive when collateral no longer covers debt x (1 + incentiveMax), bps.
    uint16 incentiveHardMinBps;
    /// @notice Share of interest that goes to protocol reserves, bps.
    uint16 reserveFactorBps;
    /// @notice Annualised volatility at and below which parameters are not scaled, bps (5000 = 50 %).
    uint16 volLowBps;
    /// @notice Annualised volatility at and above which scaling is full (x2), bps.
    uint16 volHighBps;
    /// @notice Seconds between two soft steps on one position, at low volatility.
    uint32 stepIntervalSeconds;
    /// @notice Seconds over which `maxSoftSeizePerWindow` of collateral value may be seized by soft steps.
    uint32 paceWindowSeconds;
    // slot 2: 2 x 32 + 2 x 96 bits
    /// @notice Time constant of the smoothed price that judges soft-zone eligibility (wick filter), seconds.
    uint32 confirmDelaySeconds;
    /// @notice Time constant of the variance estimate, seconds.
    uint32 volTauSeconds;
    /// @notice Collateral value (debt-token units) that soft steps may seize per pace window, market-wide.
    uint96 maxSoftSeizePerWindow;
    /// @notice Flat tip paid from reserves for each full-size step, debt-token units.
    uint96 keeperTip;
    // slot 3
    /// @notice Smallest debt a position may hold, debt-token units; smaller remainders are closed in full.
    uint96 minDebt;
}

/// @notice Where a position stands. `None`: no debt.
enum Zone {
    None,
    Healthy,
    Soft,
    Hard
}

/// @notice Why a step is (not) possible now; `Ready` means it is.
enum StepStatus {
    Ready,
    NoDebt,
    Healthy,
    OracleUnavailable,
    SequencerNotReady,
    TooSoon,
    Unconfirmed,
    PaceCapReached,
    LeavesDust,
    RepayTooSmall
}

/// @notice The full state of one position, as a frontend or keeper wants it.
struct PositionState {
    /// @notice Collateral, collateral-token base units.
    uint256 collateral;
    /// @notice Debt including accrued interest, debt-token base units (rounded up).
    uint256 debt;
    /// @notice Debt / collateral value at the oracle price, WAD (rounded up); max uint when collateral is worthless.
    uint256 ltvWad;
    Zone zone;
    /// @notice Oracle price (same scale as `IPriceOracle`) at which LTV reaches `softLtv`; 0 without debt.
    uint256 softLiquidationPriceWad;
    /// @notice Oracle price at which LTV reaches `hardLtv`; 0 without debt.
    uint256 hardLiquidationPriceWad;
    /// @notice Earliest timestamp of the next soft step on this position (spacing only).
    uint256 nextSoftStepAt;
    /// @notice What a step with an unlimited `maxRepay` would do now.
    StepPreview step;
}

/// @notice The outcome of a step, as `liquidationStep` would produce it in this block.
struct StepPreview {
    StepStatus status;
    Zone zone;
    /// @notice Debt repaid by the keeper, debt-token units.
    uint256 repaid;
    /// @notice Collateral the keeper receives, collateral-token units.
    uint256 seized;
    /// @notice Incentive applied to `repaid`, WAD (0.05e18 = 5 %).
    uint256 incentiveWad;
    /// @notice Tip paid from reserves, debt-token units; the keeper transfers `repaid - tip`.
    uint256 tip;
    /// @notice Debt written off against lenders, debt-token units.
    uint256 badDebt;
    uint256 ltvBeforeWad;
    uint256 ltvAfterWad;
}

/// @notice Called on the keeper by a step with non-empty `data`, after the collateral was sent and before the
/// repayment is pulled, so that a keeper without capital can sell the collateral in between.
interface ILiquidationStepCallback {
    /// @param account The position unwound.
    /// @param repaid Debt repaid; the market pulls `repaid - tip` debt tokens from the keeper right after.
    /// @param seized Collateral already sent to the keeper.
    /// @param tip Tip deducted from what the keeper owes.
    /// @param data The keeper's own bytes, passed through.
    function onLiquidationStep(
        address account,
        uint256 repaid,
        uint256 seized,
        uint256 tip,
        bytes calldata data
    ) external;
}

/// @title ILendingMarket
/// @notice One collateral token, one debt token, one oracle. Lenders supply the debt token through the market's
/// ERC-4626 shares; borrowers post collateral and borrow; keepers unwind positions in steps (docs/MECHANISM.md).
/// @dev Roles: `DEFAULT_ADMIN_ROLE` sets parameters (within hard-coded bounds), the rate model and withdraws
/// reserves; it should be a timelock. `GUARDIAN_ROLE` pauses and unpauses borrowing, collateral withdrawal and
/// vault deposits and withdrawals; repaying, adding collateral and liquidation keep working while paused.
/// Anyone may repay or add collateral for anyone, and anyone may run a liquidation step.
/// WARNING: a borrower (or anyone) can repay a little just before a keeper's step. Steps therefore take a
/// maximum repay and a minimum collateral out and cap themselves at what is allowed at execution.
interface ILendingMarket {
    // ---------------------------------------------------------------- events

    event CollateralSupplied(address indexed caller, address indexed account, uint256 amount);
    event CollateralWithdrawn(address indexed account, address indexed receiver, uint256 amount);
    event Borrowed(address indexed account, address indexed receiver, uint256 assets, uint256 normDebt);
    event Repaid(address indexed caller, address indexed account, uint256 assets, uint256 normDebt);
    /// @notice Emitted once, on an account's first borrow: keepers index borrowers from it.
    event BorrowerRegistered(address indexed account, uint256 index);
    /// @notice One liquidation step. `repaid` includes `tip`; the keeper paid `repaid - tip`.
    event LiquidationStepped(
        address indexed account,
        address indexed keeper,
        Zone zone,
        uint256 repaid,
        uint256 seized,
        uint256 incentiveWad,
        uint256 tip,
        uint256 ltvBeforeWad,
        uint256 ltvAfterWad
    );
    /// @notice Debt written off when a step took all of a position's collateral: `amount` is the fall of
    /// `cash + totalDebt`. Lenders bear it up to their assets; only what exceeds them comes off reserves.
    event BadDebtRealized(address indexed account, uint256 amount);
    /// @notice Interest accrued since the last accrual; `reserveShare` of it went to reserves.
    event InterestAccrued(uint256 borrowIndexWad, uint256 interest, uint256 reserveShare);
    /// @notice The smoothed price and variance estimate moved.
    event PriceStateUpdated(uint256 spotPriceWad, uint256 emaPriceWad, uint256 varianceWad);
    event ParamsUpdated(MarketParams params);
    event RateModelUpdated(address indexed rateModel);
    event ReservesWithdrawn(address indexed to, uint256 amount);

    // ---------------------------------------------------------------- errors

    error MarketZeroAmount();
    /// @notice `account` has no debt to repay.
    error MarketNoDebt(address account);
    error MarketZeroAddress();
    error MarketSameToken();
    /// @notice A parameter is out of its hard-coded bounds; `code` names which check failed (MECHANISM.md).
    error MarketInvalidParams(uint256 code);
    /// @notice The action would leave the position's LTV above `maxLtv`.
    error MarketLtvTooHigh(uint256 ltvWad, uint256 maxLtvWad);
    /// @notice The action would leave between 0 and `minDebt` of debt.
    error MarketDebtBelowMinimum(uint256 debt, uint256 minDebt);
    error MarketInsufficientCollateral(uint256 available, uint256 requested);
    error MarketInsufficientCash(uint256 available, uint256 requested);
    error MarketInsufficientReserves(uint256 available, uint256 requested);
    /// @notice Borrowing and withdrawing need a fully healthy oracle (no sequencer outage or grace).
    error MarketOracleNotReady(OracleStatus status);
    /// @notice The oracle answered `priceWithStatus()` with something other than a price and an `OracleStatus`.
    error MarketOracleBadReturn(address oracle);
    /// @notice A token moved a different amount than asked (fee-on-transfer tokens are refused).
    error MarketTransferMismatch(address token, uint256 expected, uint256 received);
    /// @notice The step cannot run now; `status` says why (see StepStatus) and `nextAt` when it may (0: unknown).
    error MarketStepNotAllowed(StepStatus status, uint256 nextAt);
    /// @notice The step would pay less collateral than the keeper's minimum.
    error MarketStepSlippage(uint256 seized, uint256 minSeized);
    /// @notice Every configuration number is used: no further parameter or rate-model update is possible.
    error MarketConfigUpdatesExhausted(uint256 maxConfigs);
    /// @notice A configuration's data contract was not deployed where the market looks for it (out of gas).
    error MarketConfigNotDeployed(address deployed);

    // ---------------------------------------------------------------- borrower actions

    /// @notice Adds collateral to `account`'s position (anyone may).
    function supplyCollateral(address account, uint256 amount) external;

    /// @notice Withdraws the caller's collateral; refused above `maxLtv` (price must be fully healthy).
    function withdrawCollateral(uint256 amount, address receiver) external;

    /// @notice Borrows debt tokens against the caller's collateral; refused above `maxLtv` or below `minDebt`.
    /// @return normDebt Normalised debt added (assets / borrow index, rounded up).
    function borrow(uint256 assets, address receiver) external returns (uint256 normDebt);

    /// @notice Repays `account`'s debt (anyone may). `assets` above the debt repays it in full and pulls only the
    /// debt. A repay that would leave between 0 and `minDebt` is refused.
    /// @return repaid Assets actually pulled from the caller.
    function repay(address account, uint256 assets) external returns (uint256 repaid);

    // ---------------------------------------------------------------- keepers

    /// @notice Runs one liquidation step on `account`: repays at most `maxRepay` of its debt, capped at what the
    /// schedule allows now, and sends the collateral (with its incentive) to the caller. With non-empty `data`
    /// the caller is called back (`ILiquidationStepCallback`) between the two transfers.
    /// @param minSeized Smallest collateral the caller accepts (slippage guard).
    /// @return repaid Debt repaid (the caller paid `repaid - tip`).
    /// @return seized Collateral sent to the caller.
    function liquidationStep(
        address account,
        uint256 maxRepay,
        uint256 minSeized,
        bytes calldata data
    ) external returns (uint256 repaid, uint256 seized);

    /// @notice Moves the smoothed price and variance estimate to this block (permissionless, idempotent within
    /// a block). Steps, borrows and withdrawals do this too.
    function updatePriceState() external;

    // ---------------------------------------------------------------- views

    /// @notice What `liquidationStep(account, maxRepay, 0, data)` would do in this block. Never reverts.
    function previewLiquidationStep(
        address account,
        uint256 maxRepay
    ) external view returns (StepPreview memory);

    /// @notice Debt of `account` including interest accrued up to now, rounded up.
    function debtOf(address account) external view returns (uint256);

    /// @notice Collateral of `account`, collateral-token units.
    function collateralOf(address account) external view returns (uint256);

    /// @notice Total debt including accrued interest, rounded up.
    function totalDebt() external view returns (uint256);

    /// @notice Sum of every position's normalised debt (total debt = this x borrow index / 1e18, rounded up), so
    /// that a reader of `packedPositions` can compute a bad-debt step's write-off exactly as the step books it.
    function totalNormDebt() external view returns (uint256);

    /// @notice Number of accounts that ever borrowed (append-only list for keepers).
    function borrowersLength() external view returns (uint256);

    /// @notice The borrowers at indices `[start, start + count)`, clipped to the list's end.
    function borrowersSlice(uint256 start, uint256 count) external view returns (address[] memory);

    /// @notice The stored positions of `accounts`, one word each (about 2,300 gas per account), so that a keeper
    /// can evaluate thousands of positions per block off chain with the contract's own arithmetic (src/sdk) and
    /// the market-wide state of `accounting()`, `totalNormDebt()`, `priceState()` and the oracle, as
    /// `MarketLens.positionStates` does on chain. Bits 0-111: collateral (collateral
    /// units); 112-215: normalised debt (debt = normDebt x borrowIndex / 1e18, rounded up); 216-247: time of the
    /// last step (seconds, 0: none); bit 248: registered as a borrower.
    function packedPositions(address[] calldata accounts) external view returns (uint256[] memory words);

    /// @notice The market's books with interest accrued to now (one call for indexers and invariant checks).
    /// @return cash Debt tokens held for lenders and reserves, base units.
    /// @return debt Total debt owed to the market, base units (rounded up).
    /// @return reserves Protocol reserves, a claim on cash and debt, base units.
    /// @return borrowIndexWad Borrow index, WAD (1e18 at creation).
    function accounting()
        external
        view
        returns (uint256 cash, uint256 debt, uint256 reserves, uint256 borrowIndexWad);

    /// @notice Price smoothing and pace as of this block (what the next step would see).
    /// @return oracleUsable Whether the oracle gives a price now; when false the rest is the stored state.
    /// @return spotPriceWad Oracle price, or 0 when unusable.
    /// @return emaPriceWad Smoothed price judging soft-zone eligibility (wick filter).
    /// @return varianceWad Annualised variance estimate, WAD (0.64e18 = 80 % volatility).
    /// @return paceUsed Collateral value (debt units) in the soft-step pace bucket.
    function priceState()
        external
        view
        returns (
            bool oracleUsable,
            uint256 spotPriceWad,
            uint256 emaPriceWad,
            uint256 varianceWad,
            uint256 paceUsed
        );

    function collateralToken() external view returns (address);
    function oracle() external view returns (IPriceOracle);
    function rateModel() external view returns (IRateModel);
    function params() external view returns (MarketParams memory);

    /// @notice The data contract holding the current parameters and rate model (its code: a STOP byte, then
    /// `abi.encode(params(), rateModel())`). Each `setParams` / `setRateModel` deploys a new one, at the market's next
    /// CREATE address; at most 65,535 configurations in a market's life.
    function config() external view returns (address);
}
