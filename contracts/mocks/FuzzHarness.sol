// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
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

/// @notice View-only reader of the stateful fuzzer: one `eth_call` returns a market's books, balances, price state,
/// the given positions (with a full preview of those in the hard zone) and share balances, as one flat run of words.
/// Each callee's return words are copied straight into the result: decoding them and encoding a struct again cost
/// the reader as many EVM steps as the market's own code, and the fuzzer's speed is bounded by the steps run.
contract FuzzReader {
    /// @dev Result layout (word indices). Then, per account: collateral, debt (`debtOf`: normalised debt x borrow
    /// index, rounded up); per holder: vault shares; `hardMask` (bit i: account i owes and is in the hard zone at a
    /// usable spot price, see `_hard`); and for each hard-zone account, in order, the 9 words of
    /// `previewLiquidationStep(account, type(uint256).max)`.
    uint256 internal constant TIMESTAMP = 0;
    /// @dev The market's own collateral- and debt-token balances (INV-1).
    uint256 internal constant BALANCES = 1;
    /// @dev `accounting()`: cash, totalDebt, reserves, borrowIndexWad.
    uint256 internal constant ACCOUNTING = 3;
    uint256 internal constant TOTAL_SUPPLY = 7;
    /// @dev `priceState()`: oracleUsable, spot, ema, variance, paceUsed (the stored state when unusable).
    uint256 internal constant PRICE_STATE = 8;
    uint256 internal constant POSITIONS = 13;
    uint256 internal constant PREVIEW_WORDS = 9;

    /// @notice A callee returned less than the reader copies.
    error FuzzReaderShortReturn(address target);

    /// @param hardLtvBps The market's `hardLtvBps` (as the fuzzer set it).
    function read(
        ILendingMarket market,
        IERC20 collateralToken,
        IERC20 debtToken,
        uint256 hardLtvBps,
        address[] calldata accounts,
        address[] calldata holders
    ) external view returns (uint256[] memory out) {
        uint256 n = accounts.length;
        uint256 sharesAt = POSITIONS + 2 * n;
        uint256 maskAt = sharesAt + holders.length;
        out = new uint256[](maskAt + 1 + PREVIEW_WORDS * n);
        out[TIMESTAMP] = block.timestamp;
        address m = address(market);
        _copy(out, BALANCES, address(collateralToken), abi.encodeCall(IERC20.balanceOf, (m)), 1);
        _copy(out, BALANCES + 1, address(debtToken), abi.encodeCall(IERC20.balanceOf, (m)), 1);
        _copy(out, ACCOUNTING, m, abi.encodeCall(ILendingMarket.accounting, ()), 4);
        _copy(out, TOTAL_SUPPLY, m, abi.encodeCall(IERC20.totalSupply, ()), 1);
        _copy(out, PRICE_STATE, m, abi.encodeCall(ILendingMarket.priceState, ()), 5);
        uint256 next = _positions(out, market, accounts, hardLtvBps, maskAt);
        for (uint256 i; i < holders.length; ++i) {
            _copy(out, sharesAt + i, m, abi.encodeCall(IERC20.balanceOf, (holders[i])), 1);
        }
        // Returns `out[0..next]` ABI-encoded in place, its head word (0x20) written over the word before `out`,
        // which nothing reads after this return: Solidity's encoder would copy the array word by word.
        assembly {
            mstore(out, next)
            mstore(sub(out, 0x20), 0x20)
            return(sub(out, 0x20), mul(add(next, 2), 0x20))
        }
    }

    /// @dev Writes each account's collateral and debt, then the hard-zone mask at `out[maskAt]` and the previews
    /// after it; returns the index after the last preview.
    function _positions(
        uint256[] memory out,
        ILendingMarket market,
        address[] calldata accounts,
        uint256 hardLtvBps,
        uint256 maskAt
    ) private view returns (uint256 next) {
        // A usable price is positive: 0 stands for "no usable price" (no position is judged then).
        uint256 spot = out[PRICE_STATE] != 0 ? out[PRICE_STATE + 1] : 0;
        // One call for every position's stored word (collateral in the low 112 bits, normalised debt above).
        uint256[] memory words = market.packedPositions(accounts);
        uint256 mask;
        next = maskAt + 1;
        // Unchecked: every quantity is far from overflowing (collateral < 2^112, normalised debt < 2^104, prices
        // and the index < 2^128), and checked arithmetic would cost this loop most of its EVM steps.
        unchecked {
            for (uint256 i; i < accounts.length; ++i) {
                uint256 word = words[i];
                uint256 collateral = word & type(uint112).max;
                // debt = normalised debt x borrow index, rounded up
                uint256 debt = (((word >> 112) & type(uint104).max) * out[ACCOUNTING + 3] + 1e18 - 1) / 1e18;
                out[POSITIONS + 2 * i] = collateral;
                out[POSITIONS + 2 * i + 1] = debt;
                if (spot == 0 || debt == 0 || !_hard(collateral, debt, spot, hardLtvBps)) continue;
                mask |= 1 << i;
                next = _preview(out, next, market, accounts[i]);
            }
        }
        out[maskAt] = mask;
    }

    /// @dev Writes `previewLiquidationStep(account, type(uint256).max)` to `out[at..]`; returns the index after it.
    function _preview(
        uint256[] memory out,
        uint256 at,
        ILendingMarket market,
        address account
    ) private view returns (uint256) {
        bytes memory call = abi.encodeCall(
            ILendingMarket.previewLiquidationStep,
            (account, type(uint256).max)
        );
        return _copy(out, at, address(market), call, PREVIEW_WORDS);
    }

    /// @dev The market's hard-zone test at `spot`: `debt / value >= hardLtv`, the value rounded down, the LTV up.
    function _hard(
        uint256 collateral,
        uint256 debt,
        uint256 spot,
        uint256 hardLtvBps
    ) private pure returns (bool) {
        unchecked {
            uint256 value = (collateral * spot) / 1e18;
            return value == 0 || (debt * 1e18 + value - 1) / value >= hardLtvBps * 1e14;
        }
    }

    /// @dev Writes the first `words` words that `target` returns for `data` (a view call) to `out[at..]`; returns
    /// the index after them. A failed call reverts the read with the callee's revert data.
    function _copy(
        uint256[] memory out,
        uint256 at,
        address target,
        bytes memory data,
        uint256 words
    ) private view returns (uint256) {
        bool ok;
        uint256 size;
        assembly ("memory-safe") {
            ok := staticcall(
                gas(),
                target,
                add(data, 0x20),
                mload(data),
                add(out, mul(add(at, 1), 0x20)),
                mul(words, 0x20)
            )
            size := returndatasize()
            if iszero(ok) {
                returndatacopy(0, 0, size)
                revert(0, size)
            }
        }
        if (size < words * 32) revert FuzzReaderShortReturn(target);
        return at + words;
    }
}
