// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ILendingMarket, ILiquidationStepCallback, StepPreview} from "../interfaces/ILendingMarket.sol";

// Test-only contracts of the stateful fuzzer (test/fuzz/harness.ts, invariants in test/fuzz/INVARIANTS.md).
// The fuzzer's speed is bounded by the EVM steps it executes, so each contract makes one batch of the cheapest
// calls that give what the invariants need. Every struct here holds only static fields, so that it is ABI-encoded
// as a flat run of words that the fuzzer decodes without ethers' (slow) Result objects.

/// @dev The market's pause flag (OpenZeppelin `Pausable`), which `ILendingMarket` does not declare.
interface IPausableView {
    function paused() external view returns (bool);
}

/// @notice Everything the step invariants need (INV-2 to INV-8), read in the step's own transaction just before
/// the step: interest accrues between blocks, so only figures from the same transaction compare exactly.
struct StepContext {
    uint256 timestamp;
    /// @dev Whether the keeper's `updatePriceState()` ran (and did not revert) before these reads.
    bool poked;
    uint256 collateral;
    /// @dev `debtOf(account)`: debt with interest to now, rounded up.
    uint256 debt;
    /// @dev `previewLiquidationStep(account, maxRepay)` with the keeper's own `maxRepay`.
    StepPreview preview;
    /// @dev `priceState()`. (The fuzzer's oracles have no sequencer feed, so a usable price has status `Ok`.)
    bool oracleUsable;
    uint256 spotPriceWad;
    uint256 emaPriceWad;
    uint256 varianceWad;
    uint256 paceUsed;
    /// @dev `accounting()`; lenders' assets before the step are `max(cash + totalDebt - reserves, 0)`, the
    /// formula of `totalAssets()` (read after the step, so a drift between the two shows up in INV-2).
    uint256 cash;
    uint256 totalDebt;
    uint256 reserves;
    uint256 borrowIndexWad;
}

/// @notice What the step did, measured by the keeper in the same transaction (its revert data travels apart).
struct StepOutcome {
    bool success;
    uint256 repaid;
    uint256 seized;
    /// @dev Collateral-token balance gained and debt-token balance spent by this keeper over the step.
    uint256 collateralReceived;
    uint256 debtPaid;
    uint256 totalAssetsAfter;
    uint256 collateralAfter;
    uint256 debtAfter;
    /// @dev Flash mode: whether the callback ran, its arguments, and what the keeper held when it ran.
    bool callbackCalled;
    uint256 callbackRepaid;
    uint256 callbackSeized;
    uint256 callbackTip;
    /// @dev Collateral already received when the callback ran (the market sends it before calling back).
    uint256 collateralHeldAtCallback;
    /// @dev Whether the debt tokens were still unpulled when the callback ran (the market pulls them last).
    bool debtUnpulledAtCallback;
}

/// @notice Test keeper: in one transaction it reads a step's inputs and preview, attempts the step (catching any
/// revert), optionally in flash mode, measures balances and `totalAssets` after, and emits all of it in one event.
/// It holds its own debt tokens (minted by the test), so a flash step's callback has nothing to sell.
contract FuzzKeeper is ILiquidationStepCallback {
    ILendingMarket public immutable market;
    IERC20 public immutable collateral;
    IERC20 public immutable debtToken;

    /// @dev Balances before the step and the callback's observations; reset by every attempt.
    uint256 internal _collateralBefore;
    uint256 internal _debtBefore;
    bool internal _called;
    uint256 internal _cbRepaid;
    uint256 internal _cbSeized;
    uint256 internal _cbTip;
    uint256 internal _cbCollateralHeld;
    bool internal _cbDebtUnpulled;

    /// @notice One attempted step: its inputs and preview (`before`), what happened (`outcome`) and, when it
    /// failed, the step's revert data.
    event StepAttempted(
        address indexed account,
        uint256 maxRepay,
        uint256 minSeized,
        bool flash,
        StepContext before,
        StepOutcome outcome,
        bytes revertData
    );

    /// @notice The callback was called by someone other than the market.
    error FuzzKeeperUnexpectedCaller(address caller);

    constructor(ILendingMarket market_, IERC20 debtToken_) {
        market = market_;
        collateral = IERC20(market_.collateralToken());
        debtToken = debtToken_;
        debtToken_.approve(address(market_), type(uint256).max);
    }

    /// @notice Optionally pokes `updatePriceState()` (as a keeper bot does in the same transaction), reads the
    /// step's inputs, attempts `liquidationStep(account, maxRepay, minSeized, data)` with `data` non-empty when
    /// `flash`, and emits `StepAttempted`. Never reverts because of the poke or the step.
    function attempt(address account, uint256 maxRepay, uint256 minSeized, bool flash, bool poke) external {
        bool poked;
        if (poke) {
            try market.updatePriceState() {
                poked = true;
            } catch {}
        }
        StepContext memory ctx = _context(account, maxRepay);
        ctx.poked = poked;
        StepOutcome memory out;
        _called = false;
        _collateralBefore = collateral.balanceOf(address(this));
        _debtBefore = debtToken.balanceOf(address(this));
        bytes memory revertData;
        bytes memory data = flash ? abi.encode(account) : bytes("");
        try market.liquidationStep(account, maxRepay, minSeized, data) returns (
            uint256 repaid,
            uint256 seized
        ) {
            (out.success, out.repaid, out.seized) = (true, repaid, seized);
        } catch (bytes memory reason) {
            revertData = reason;
        }
        // A keeper that lost collateral or gained debt tokens underflows here and fails the whole transaction,
        // which the fuzzer reports.
        out.collateralReceived = collateral.balanceOf(address(this)) - _collateralBefore;
        out.debtPaid = _debtBefore - debtToken.balanceOf(address(this));
        out.totalAssetsAfter = IERC4626(address(market)).totalAssets();
        out.collateralAfter = market.collateralOf(account);
        out.debtAfter = market.debtOf(account);
        (out.callbackCalled, out.callbackRepaid, out.callbackSeized, out.callbackTip) = (
            _called,
            _cbRepaid,
            _cbSeized,
            _cbTip
        );
        (out.collateralHeldAtCallback, out.debtUnpulledAtCallback) = (_cbCollateralHeld, _cbDebtUnpulled);
        emit StepAttempted(account, maxRepay, minSeized, flash, ctx, out, revertData);
    }

    /// @inheritdoc ILiquidationStepCallback
    /// @dev Records what it sees; the keeper already holds the debt tokens it will be charged.
    function onLiquidationStep(
        address,
        uint256 repaid,
        uint256 seized,
        uint256 tip,
        bytes calldata
    ) external {
        if (msg.sender != address(market)) revert FuzzKeeperUnexpectedCaller(msg.sender);
        _called = true;
        (_cbRepaid, _cbSeized, _cbTip) = (repaid, seized, tip);
        _cbCollateralHeld = collateral.balanceOf(address(this)) - _collateralBefore;
        _cbDebtUnpulled = debtToken.balanceOf(address(this)) == _debtBefore;
    }

    function _context(address account, uint256 maxRepay) internal view returns (StepContext memory ctx) {
        ctx.timestamp = block.timestamp;
        ctx.collateral = market.collateralOf(account);
        ctx.debt = market.debtOf(account);
        ctx.preview = market.previewLiquidationStep(account, maxRepay);
        (ctx.oracleUsable, ctx.spotPriceWad, ctx.emaPriceWad, ctx.varianceWad, ctx.paceUsed) = market
            .priceState();
        (ctx.cash, ctx.totalDebt, ctx.reserves, ctx.borrowIndexWad) = market.accounting();
    }
}

/// @notice One position as the fuzzer's reader sees it.
struct PositionView {
    uint256 collateral;
    /// @dev `debtOf(account)`, read only for the accounts the fuzzer asks for (those that may owe anything:
    /// debt only ever appears through the account's own borrow); 0 otherwise.
    uint256 debt;
}

/// @notice Everything the fuzzer's invariants need about one market, as of this block. Parameters and the pause
/// flag are not read here (the fuzzer sets them, and reads them back after each change).
struct MarketView {
    uint256 timestamp;
    /// @dev The market's own token balances (INV-1).
    uint256 collateralBalance;
    uint256 debtBalance;
    /// @dev `accounting()`; lenders' `totalAssets()` is `max(cash + totalDebt - reserves, 0)`, which every step
    /// checks against the market's own `totalAssets()`.
    uint256 cash;
    uint256 totalDebt;
    uint256 reserves;
    uint256 borrowIndexWad;
    uint256 totalSupply;
    /// @dev `priceState()`: when the oracle is unusable, the stored (frozen) smoothing state.
    bool oracleUsable;
    uint256 spotPriceWad;
    uint256 emaPriceWad;
    uint256 varianceWad;
    uint256 paceUsed;
    PositionView[] positions;
    /// @dev Bit i set: `positions[i]` is in the hard zone at the spot price (the market's `debt / value >=
    /// hardLtv`, value rounded down, LTV rounded up), and `hardSteps` holds its preview, in order.
    uint256 hardMask;
    /// @dev `previewLiquidationStep(account, type(uint256).max)` of each hard-zone position.
    StepPreview[] hardSteps;
    /// @dev Vault shares of each holder.
    uint256[] shares;
}

/// @notice View-only reader of the stateful fuzzer: one `eth_call` returns a market's books, balances, price
/// state, the given positions (with a full preview of those in the hard zone) and share balances.
contract FuzzReader {
    /// @param hardLtvBps The market's `hardLtvBps` (as the fuzzer set it).
    /// @param debtMask Bit i set: read `debtOf(accounts[i])`.
    function read(
        ILendingMarket market,
        IERC20 collateralToken,
        IERC20 debtToken,
        uint256 hardLtvBps,
        address[] calldata accounts,
        uint256 debtMask,
        address[] calldata holders
    ) external view returns (MarketView memory v) {
        v.timestamp = block.timestamp;
        v.collateralBalance = collateralToken.balanceOf(address(market));
        v.debtBalance = debtToken.balanceOf(address(market));
        (v.cash, v.totalDebt, v.reserves, v.borrowIndexWad) = market.accounting();
        v.totalSupply = IERC4626(address(market)).totalSupply();
        (v.oracleUsable, v.spotPriceWad, v.emaPriceWad, v.varianceWad, v.paceUsed) = market.priceState();
        v.positions = new PositionView[](accounts.length);
        StepPreview[] memory hardSteps = new StepPreview[](accounts.length);
        uint256 hardCount;
        // One call for every position's stored word; debt = normDebt x index, rounded up, as `debtOf` computes it.
        uint256[] memory words = market.packedPositions(accounts);
        for (uint256 i; i < accounts.length; ++i) {
            PositionView memory pv = v.positions[i];
            pv.collateral = words[i] & type(uint112).max;
            pv.debt = Math.mulDiv(
                (words[i] >> 112) & type(uint104).max,
                v.borrowIndexWad,
                1e18,
                Math.Rounding.Ceil
            );
            if (debtMask & (1 << i) == 0) continue;
            if (!v.oracleUsable || pv.debt == 0) continue;
            // collateral < 2^112, price < 2^128 and debt < 2^128: no overflow.
            uint256 value = (pv.collateral * v.spotPriceWad) / 1e18;
            if (value == 0 || Math.ceilDiv(pv.debt * 1e18, value) >= hardLtvBps * 1e14) {
                v.hardMask |= 1 << i;
                hardSteps[hardCount++] = market.previewLiquidationStep(accounts[i], type(uint256).max);
            }
        }
        // Trim to the positions previewed.
        assembly ("memory-safe") {
            mstore(hardSteps, hardCount)
        }
        v.hardSteps = hardSteps;
        v.shares = new uint256[](holders.length);
        for (uint256 i; i < holders.length; ++i) {
            v.shares[i] = IERC4626(address(market)).balanceOf(holders[i]);
        }
    }
}
