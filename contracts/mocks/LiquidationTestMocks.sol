// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ILendingMarket, ILiquidationStepCallback, StepPreview} from "../interfaces/ILendingMarket.sol";

/// @notice Test keeper that runs several liquidation steps in one transaction, so all of them see the same block
/// and timestamp, and records for each the market's own preview (taken just before it, in the same state) and
/// the outcome, including the revert data of a refused step. Tests use it to compare a preview with the step it
/// describes, and to show what a second call in the same block meets (pace bucket, spacing, splitting).
contract StepBatcher {
    struct Call {
        address account;
        uint256 maxRepay;
        uint256 minSeized;
    }

    struct Outcome {
        bool ok;
        uint256 repaid;
        uint256 seized;
        bytes revertData;
    }

    ILendingMarket public immutable market;
    StepPreview[] internal _previews;
    Outcome[] internal _outcomes;
    /// @notice The vault's `totalAssets()` just before and just after each call, in the same block.
    uint256[] public assetsBefore;
    uint256[] public assetsAfter;

    constructor(ILendingMarket market_, IERC20 debt_) {
        market = market_;
        debt_.approve(address(market_), type(uint256).max);
    }

    /// @notice For each call: `previewLiquidationStep(account, maxRepay)`, then `liquidationStep` (caught).
    function run(Call[] calldata calls) external {
        delete _previews;
        delete _outcomes;
        delete assetsBefore;
        delete assetsAfter;
        for (uint256 i; i < calls.length; ++i) {
            Call calldata c = calls[i];
            assetsBefore.push(IERC4626(address(market)).totalAssets());
            _previews.push(market.previewLiquidationStep(c.account, c.maxRepay));
            try market.liquidationStep(c.account, c.maxRepay, c.minSeized, "") returns (
                uint256 repaid,
                uint256 seized
            ) {
                _outcomes.push(Outcome(true, repaid, seized, ""));
            } catch (bytes memory reason) {
                _outcomes.push(Outcome(false, 0, 0, reason));
            }
            assetsAfter.push(IERC4626(address(market)).totalAssets());
        }
    }

    /// @notice Two `updatePriceState` calls in one transaction: the second finds no time elapsed.
    function updateTwice() external {
        market.updatePriceState();
        market.updatePriceState();
    }

    function previews() external view returns (StepPreview[] memory) {
        return _previews;
    }

    function outcomes() external view returns (Outcome[] memory) {
        return _outcomes;
    }
}

/// @notice Test keeper whose step callback pokes `updatePriceState`, which must be refused inside a step.
contract PokingKeeper is ILiquidationStepCallback {
    ILendingMarket public immutable market;

    constructor(ILendingMarket market_, IERC20 debt_) {
        market = market_;
        debt_.approve(address(market_), type(uint256).max);
    }

    function step(address account) external {
        market.liquidationStep(account, type(uint256).max, 0, hex"01");
    }

    function onLiquidationStep(address, uint256, uint256, uint256, bytes calldata) external {
        market.updatePriceState();
    }
}
