// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {ILendingMarket, ILiquidationStepCallback} from "../interfaces/ILendingMarket.sol";
import {IUniswapV2PairLike} from "../interfaces/IUniswapV2PairLike.sol";

/// @title PairFlashKeeper
/// @notice Runs liquidation steps with no debt tokens of its own: inside the market's callback it sells the
/// seized collateral on a Uniswap V2-style pair and the market then pulls the repayment from the proceeds. What
/// is left (the incentive less the pool's fee and price impact, plus the tip) stays here for the owner.
/// @dev Anyone may call `step`: a step whose sale does not cover the repayment plus `minProfit` reverts, so a
/// caller can spend only their own gas, never this contract's funds. Fee-on-transfer collateral is not supported
/// (the sale assumes the pair receives what is sent).
contract PairFlashKeeper is ILiquidationStepCallback, Ownable2Step {
    using SafeERC20 for IERC20;
    using TransientSlot for *;

    /// @notice A step ran and its collateral was sold. `proceeds` and `profit` in debt-token units.
    event FlashStep(
        address indexed account,
        uint256 repaid,
        uint256 seized,
        uint256 proceeds,
        uint256 profit
    );
    event FundsWithdrawn(address indexed token, address indexed to, uint256 amount);

    /// @notice The callback came from somewhere other than the market, or outside a `step` of this contract.
    error FlashKeeperUnauthorizedCallback(address caller);
    /// @notice The sale would not cover what the market pulls plus `minProfit` (all in debt-token units).
    error FlashKeeperSaleShort(uint256 proceeds, uint256 owed, uint256 minProfit);
    error FlashKeeperZeroAddress();
    /// @notice The pair does not trade exactly the market's collateral against its debt token.
    error FlashKeeperWrongPair(address pair);

    uint256 internal constant FEE_FACTOR = 997; // Uniswap V2: 0.3 % of the input stays in the pool
    uint256 internal constant FEE_SCALE = 1000;
    /// @dev Account of the step in flight, and the profit it must reach (transient: cleared after the tx).
    bytes32 internal constant IN_FLIGHT_SLOT = keccak256("PairFlashKeeper.inFlight");
    bytes32 internal constant MIN_PROFIT_SLOT = keccak256("PairFlashKeeper.minProfit");
    /// @dev What the callback left for `step`: the sale's proceeds and the debt tokens the market pulls.
    bytes32 internal constant PROCEEDS_SLOT = keccak256("PairFlashKeeper.proceeds");
    bytes32 internal constant OWED_SLOT = keccak256("PairFlashKeeper.owed");

    ILendingMarket public immutable market;
    IERC20 public immutable collateral;
    IERC20 public immutable debtToken;
    IUniswapV2PairLike public immutable pair;
    /// @dev True when the collateral is the pair's token0.
    bool internal immutable COLLATERAL_IS_TOKEN0;

    constructor(ILendingMarket market_, IUniswapV2PairLike pair_, address owner_) Ownable(owner_) {
        if (address(market_) == address(0) || address(pair_) == address(0)) revert FlashKeeperZeroAddress();
        market = market_;
        collateral = IERC20(market_.collateralToken());
        debtToken = IERC20(IERC4626(address(market_)).asset());
        pair = pair_;
        (address token0, address token1) = (pair_.token0(), pair_.token1());
        if (token0 == address(collateral) && token1 == address(debtToken)) COLLATERAL_IS_TOKEN0 = true;
        else if (token0 != address(debtToken) || token1 != address(collateral))
            revert FlashKeeperWrongPair(address(pair_));
        debtToken.forceApprove(address(market_), type(uint256).max);
    }

    /// @notice Runs one step on `account` (same bounds as `liquidationStep`) and keeps at least `minProfit`
    /// debt-token units after repaying, or reverts.
    /// @return repaid Debt repaid, debt-token units.
    /// @return seized Collateral taken and sold, collateral units.
    function step(
        address account,
        uint256 maxRepay,
        uint256 minSeized,
        uint256 minProfit
    ) external returns (uint256 repaid, uint256 seized) {
        IN_FLIGHT_SLOT.asAddress().tstore(account);
        MIN_PROFIT_SLOT.asUint256().tstore(minProfit);
        (repaid, seized) = market.liquidationStep(account, maxRepay, minSeized, abi.encode(account));
        uint256 proceeds = PROCEEDS_SLOT.asUint256().tload();
        // The callback checked proceeds >= owed + minProfit, and the market pulled exactly `owed`.
        uint256 profit = proceeds - OWED_SLOT.asUint256().tload();
        // Cleared, so that a second step in the same transaction starts from nothing.
        IN_FLIGHT_SLOT.asAddress().tstore(address(0));
        MIN_PROFIT_SLOT.asUint256().tstore(0);
        PROCEEDS_SLOT.asUint256().tstore(0);
        OWED_SLOT.asUint256().tstore(0);
        emit FlashStep(account, repaid, seized, proceeds, profit);
    }

    /// @inheritdoc ILiquidationStepCallback
    function onLiquidationStep(
        address account,
        uint256 repaid,
        uint256 seized,
        uint256 tip,
        bytes calldata
    ) external {
        if (
            msg.sender != address(market) ||
            account == address(0) ||
            IN_FLIGHT_SLOT.asAddress().tload() != account
        ) revert FlashKeeperUnauthorizedCallback(msg.sender);
        uint256 owed = repaid - tip;
        uint256 minProfit = MIN_PROFIT_SLOT.asUint256().tload();
        uint256 proceeds = quoteSale(seized);
        if (proceeds < owed + minProfit) revert FlashKeeperSaleShort(proceeds, owed, minProfit);
        collateral.safeTransfer(address(pair), seized);
        (uint256 out0, uint256 out1) = COLLATERAL_IS_TOKEN0 ? (uint256(0), proceeds) : (proceeds, uint256(0));
        pair.swap(out0, out1, address(this), "");
        PROCEEDS_SLOT.asUint256().tstore(proceeds);
        OWED_SLOT.asUint256().tstore(owed);
    }

    /// @notice Debt-token units the pair pays now for `collateralIn`, after its 0.3 % fee (Uniswap V2's
    /// getAmountOut), rounded down.
    function quoteSale(uint256 collateralIn) public view returns (uint256) {
        (uint256 reserve0, uint256 reserve1, ) = pair.getReserves();
        (uint256 reserveIn, uint256 reserveOut) = COLLATERAL_IS_TOKEN0
            ? (reserve0, reserve1)
            : (reserve1, reserve0);
        uint256 inWithFee = collateralIn * FEE_FACTOR;
        // Rounds down: the pair's constant-product check accepts any output up to this.
        return (inWithFee * reserveOut) / (reserveIn * FEE_SCALE + inWithFee);
    }

    /// @notice Sends `amount` of `token` held here to `to` (owner): the profit, or anything sent by mistake.
    function withdraw(IERC20 token, address to, uint256 amount) external onlyOwner {
        if (to == address(0)) revert FlashKeeperZeroAddress();
        token.safeTransfer(to, amount);
        emit FundsWithdrawn(address(token), to, amount);
    }
}
