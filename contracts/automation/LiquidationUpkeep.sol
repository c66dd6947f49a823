// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ILendingMarket, PositionState, StepPreview, StepStatus} from "../interfaces/ILendingMarket.sol";
import {PositionStates} from "../periphery/PositionStates.sol";

/// @title LiquidationUpkeep
/// @notice A keeper-network entry point in Chainlink Automation's `checkUpkeep` / `performUpkeep` shape, which
/// other keeper networks also call. `checkUpkeep` scans a bounded window of the market's borrowers and returns
/// the accounts whose step is allowed now; `performUpkeep` re-checks each on chain and runs the step, skipping
/// (never reverting on) any that became ineligible. Steps are paid from a float of debt tokens the owner funds;
/// only the owner withdraws the float and the collateral it earns. Anyone may call `performUpkeep`.
/// @dev Two ways to cover every borrower: with empty `checkData`, the scan starts at `cursor` (which each
/// perform moves past the last account its check examined, wrapping at the end) plus a page offset that
/// rotates with the block number; with `checkData = abi.encode(start, count)`, one registration covers a fixed
/// range, so large markets can be split across several registrations.
contract LiquidationUpkeep is AutomationCompatibleInterface, Ownable2Step {
    using SafeERC20 for IERC20;

    /// @notice A step ran.
    event UpkeepStepPerformed(address indexed account, uint256 repaid, uint256 seized);
    /// @notice An account in `performData` was no longer eligible when re-checked on chain.
    event UpkeepStepSkipped(address indexed account, StepStatus status);
    /// @notice The step reverted (for instance the oracle failed); `reason` is its revert data.
    event UpkeepStepFailed(address indexed account, bytes reason);
    event CursorMoved(uint256 cursor);
    event FundsWithdrawn(address indexed token, address indexed to, uint256 amount);

    error UpkeepInvalidConfig();
    error UpkeepZeroAddress();

    ILendingMarket public immutable market;
    IERC20 public immutable debtToken;
    IERC20 public immutable collateralToken;
    /// @notice Borrowers examined by one `checkUpkeep` (bounds its gas).
    uint256 public immutable maxScan;
    /// @notice Steps returned by one `checkUpkeep` (bounds `performUpkeep`'s gas).
    uint256 public immutable maxSteps;
    /// @notice Index in the market's borrower list where the next cursor-mode scan starts.
    uint256 public cursor;

    constructor(ILendingMarket market_, address owner_, uint256 maxScan_, uint256 maxSteps_) Ownable(owner_) {
        if (address(market_) == address(0)) revert UpkeepZeroAddress();
        if (maxScan_ == 0 || maxSteps_ == 0) revert UpkeepInvalidConfig();
        market = market_;
        debtToken = IERC20(IERC4626(address(market_)).asset());
        collateralToken = IERC20(market_.collateralToken());
        maxScan = maxScan_;
        maxSteps = maxSteps_;
        debtToken.forceApprove(address(market_), type(uint256).max);
    }

    /// @notice Scans borrowers and returns those with a step allowed now that the float can fund.
    /// @param checkData Empty for cursor mode, or `abi.encode(uint256 start, uint256 count)` for a fixed range.
    /// @return upkeepNeeded Whether any step is ready.
    /// @return performData `abi.encode(address[] accounts, bool cursorMode, uint256 nextCursor)`.
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData) {
        uint256 total = market.borrowersLength();
        bool cursorMode = checkData.length == 0;
        uint256 start;
        uint256 count;
        if (cursorMode) {
            if (total == 0) return (false, "");
            count = total < maxScan ? total : maxScan;
            // The window also rotates with the block number, so that while no step is ready (and the cursor
            // does not move) every borrower is still scanned within ceil(total / maxScan) blocks.
            uint256 pages = (total + count - 1) / count;
            start = (cursor + (block.number % pages) * count) % total;
        } else {
            (start, count) = abi.decode(checkData, (uint256, uint256));
            if (start >= total) return (false, "");
            if (count > total - start) count = total - start;
            if (count > maxScan) count = maxScan;
        }
        address[] memory window = _window(start, count, total);
        PositionState[] memory states = PositionStates.read(market, window);
        bool funded = debtToken.balanceOf(address(this)) != 0;
        address[] memory ready = new address[](maxSteps);
        uint256 found;
        // `scanned` counts the accounts examined: the scan stops once `maxSteps` are found, and the cursor must
        // not skip the rest of the window (with a single page, it would otherwise never move at all).
        uint256 scanned;
        for (; scanned < window.length && found < maxSteps && funded; ++scanned) {
            if (states[scanned].step.status == StepStatus.Ready) {
                ready[found] = window[scanned];
                ++found;
            }
        }
        // Shrink the array to the accounts found.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(ready, found)
        }
        upkeepNeeded = found != 0;
        performData = abi.encode(ready, cursorMode, (start + scanned) % total);
    }

    /// @notice Re-checks and runs the steps in `performData`, then moves the cursor (cursor mode).
    function performUpkeep(bytes calldata performData) external {
        (address[] memory accounts, bool cursorMode, uint256 nextCursor) = abi.decode(
            performData,
            (address[], bool, uint256)
        );
        for (uint256 i; i < accounts.length; ++i) {
            uint256 float = debtToken.balanceOf(address(this));
            StepPreview memory preview = market.previewLiquidationStep(accounts[i], float == 0 ? 1 : float);
            if (preview.status != StepStatus.Ready || float == 0) {
                emit UpkeepStepSkipped(accounts[i], preview.status);
                continue;
            }
            try market.liquidationStep(accounts[i], float, 0, "") returns (uint256 repaid, uint256 seized) {
                emit UpkeepStepPerformed(accounts[i], repaid, seized);
            } catch (bytes memory reason) {
                emit UpkeepStepFailed(accounts[i], reason);
            }
        }
        if (cursorMode && nextCursor != cursor) {
            cursor = nextCursor;
            emit CursorMoved(nextCursor);
        }
    }

    /// @notice Sends the float or earned collateral (or any token) to `to` (owner only).
    function withdraw(IERC20 token, address to, uint256 amount) external onlyOwner {
        if (to == address(0)) revert UpkeepZeroAddress();
        token.safeTransfer(to, amount);
        emit FundsWithdrawn(address(token), to, amount);
    }

    /// @dev `count` borrowers from `start`, wrapping past the end of the list.
    function _window(
        uint256 start,
        uint256 count,
        uint256 total
    ) internal view returns (address[] memory window) {
        window = new address[](count);
        uint256 filled;
        while (filled < count) {
            uint256 take = count - filled;
            if (take > total - start) take = total - start;
            address[] memory part = market.borrowersSlice(start, take);
            for (uint256 j; j < part.length; ++j) window[filled + j] = part[j];
            filled += take;
            start = 0;
        }
    }
}
