// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {
    ILendingMarket,
    ILiquidationStepCallback,
    MarketParams,
    StepPreview,
    StepStatus,
    Zone
} from "../interfaces/ILendingMarket.sol";
import {IPriceOracle, OracleStatus} from "../interfaces/IPriceOracle.sol";
import {IKinkedRateModel, IRateModel} from "../interfaces/IRateModel.sol";
import {KinkedRate} from "../libraries/KinkedRate.sol";
import {LiquidationSchedule} from "../libraries/LiquidationSchedule.sol";
import {PriceSmoothing} from "../libraries/PriceSmoothing.sol";
import {WadMath} from "../libraries/WadMath.sol";

/// @title LendingMarket
/// @notice One collateral token, one debt token (the ERC-4626 asset), one oracle, with stepwise liquidation.
/// @dev Every action loads the market's hot state into memory once (`_load`), works on it, and writes it back
/// once (`_store`). Debt is normalised by a borrow index (debt = normDebt * index, rounded up). The parameters and
/// the rate model change only by admin action, so they are kept as the code of a small data contract (a
/// "configuration") that an action reads in one EXTCODECOPY, instead of four storage slots; see `_readConfig`.
// The state is packed into a few words field by field (docs/MECHANISM.md, "Storage and its bounds"), hence more
// declarations than the linter's default.
// solhint-disable-next-line max-states-count
contract LendingMarket is ILendingMarket, ERC4626, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using WadMath for uint256;

    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    uint256 internal constant WAD = WadMath.WAD;
    uint256 internal constant BPS = 1e4;

    /// @dev One position, unpacked for the length of an action. Stored as one word (`_positions`): collateral in
    /// bits 0-111, normalised debt in 112-215, the last step's time in 216-247, registered in bit 248; read and
    /// written whole, once per action (ILendingMarket.packedPositions documents the same layout).
    struct Position {
        uint256 collateral;
        uint256 normDebt;
        uint256 lastStepAt;
        bool registered;
    }

    /// @dev The hot state of the market, in memory for the length of one action.
    struct Ctx {
        uint256 totalNormDebt;
        uint256 index;
        /// @dev Seconds since the last accrual.
        uint256 elapsed;
        uint256 cash;
        uint256 reserves;
        uint256 interest;
        uint256 reserveShare;
        bool priceLoaded;
        /// @dev The price state moved: first observation, or a later block than its last update.
        bool priceMoved;
        bool sampled;
        uint256 spot;
        OracleStatus status;
        uint256 ema;
        uint256 variance;
        uint256 paceUsed;
        uint256 sampledPrice;
        uint256 sampledAt;
        /// @dev Set once the configuration was read (for accrual or in full).
        IRateModel rateModel;
    }

    /// @dev A configuration's runtime code: a STOP byte (so calling it does nothing), then `abi.encode(params,
    /// rateModel, curve)`: 19 words of MarketParams, which is also how Solidity lays the struct out in memory, a
    /// word for the rate model, and the 4 words of the kinked curve the model declares (all zero if none).
    uint256 internal constant CONFIG_BYTES = 24 * 32;
    /// @dev Where the rate model's word starts in a configuration's data (after MarketParams' 19 words).
    uint256 internal constant CONFIG_MODEL_AT = 19 * 32;
    /// @dev The highest per-second rate a declared curve may hold (1,000 % a year, KinkedRateModel's bound); a
    /// declaration above it is ignored and the model is called instead.
    uint256 internal constant MAX_CURVE_RATE_PER_SECOND_WAD = 10e18 / uint256(365 days);
    /// @dev Highest configuration number: each update (setParams, setRateModel) uses the next one.
    uint256 internal constant MAX_CONFIGS = type(uint16).max;

    IERC20 internal immutable COLLATERAL;
    /// @inheritdoc ILendingMarket
    IPriceOracle public immutable oracle;

    mapping(address account => uint256 word) internal _positions;
    /// @dev The borrower list, append-only: index -> account (the count is in the sample word).
    mapping(uint256 index => address account) internal _borrowerAt;

    // slot: debt totals and interest (the index may grow 7.9e10-fold; timestamps fit until 2106)
    uint128 internal _totalNormDebt;
    uint96 internal _borrowIndex;
    uint32 internal _lastAccrualAt;
    // slot: cash, reserves (stored saturating at 2^112 - 1), the current configuration's number (the market's
    // CREATE nonce when it deployed it) and the pause flag
    uint120 internal _cash;
    uint112 internal _reserves;
    uint16 internal _configNonce;
    bool internal _pausedFlag;
    // slot, written by every price-reading action: smoothed price, when it and the pace bucket last moved, pace
    // (saturating at 2^96 - 1, above any cap `maxSoftSeizePerWindow` can hold)
    uint128 internal _emaPrice;
    uint32 internal _priceUpdatedAt;
    uint96 internal _paceUsed;
    // slot, read by every price-reading action and written only when a variance sample falls due: the price at
    // the last sample, its time, the variance estimate (capped at 16e18 < 2^64 by PriceSmoothing); and the number
    // of borrowers, which a first borrow (a price-reading action) increments
    uint128 internal _sampledPrice;
    uint32 internal _sampledAt;
    uint64 internal _variance;
    uint32 internal _borrowersCount;

    /// @param collateral_ Collateral token (must differ from the debt token).
    /// @param debtToken Debt token, the vault's asset.
    /// @param oracle_ Collateral price in debt units.
    /// @param rateModel_ Borrow-rate curve.
    /// @param params_ Risk parameters, validated against the hard-coded bounds.
    /// @param admin Holder of `DEFAULT_ADMIN_ROLE` (a timelock in production).
    /// @param guardian Holder of `GUARDIAN_ROLE` (may be zero: nobody can pause).
    /// @param name_ Vault share name.
    /// @param symbol_ Vault share symbol.
    constructor(
        IERC20 collateral_,
        IERC20 debtToken,
        IPriceOracle oracle_,
        IRateModel rateModel_,
        MarketParams memory params_,
        address admin,
        address guardian,
        string memory name_,
        string memory symbol_
    ) ERC4626(debtToken) ERC20(name_, symbol_) {
        if (
            address(collateral_) == address(0) ||
            address(debtToken) == address(0) ||
            address(oracle_) == address(0) ||
            address(rateModel_) == address(0) ||
            admin == address(0)
        ) revert MarketZeroAddress();
        if (address(collateral_) == address(debtToken)) revert MarketSameToken();
        COLLATERAL = collateral_;
        oracle = oracle_;
        _setConfig(params_, rateModel_);
        emit ParamsUpdated(params_);
        _borrowIndex = uint96(WAD);
        _lastAccrualAt = uint32(block.timestamp);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
    }

    // ================================================================ borrowers

    /// @inheritdoc ILendingMarket
    function supplyCollateral(address account, uint256 amount) external nonReentrant {
        if (amount == 0) revert MarketZeroAmount();
        if (account == address(0)) revert MarketZeroAddress();
        uint256 word = _positions[account];
        // Collateral sits in the word's low 112 bits: checking the new figure fits them (SafeCast) keeps the
        // addition from carrying into the normalised debt.
        (uint256(uint112(word)) + amount).toUint112();
        _positions[account] = word + amount;
        emit CollateralSupplied(msg.sender, account, amount);
        _pullExact(COLLATERAL, amount);
    }

    /// @inheritdoc ILendingMarket
    function withdrawCollateral(uint256 amount, address receiver) external nonReentrant whenNotPaused {
        if (amount == 0) revert MarketZeroAmount();
        if (receiver == address(0)) revert MarketZeroAddress();
        Position memory pos = _position(msg.sender);
        if (amount > pos.collateral) revert MarketInsufficientCollateral(pos.collateral, amount);
        pos.collateral -= amount;
        if (pos.normDebt != 0) {
            (Ctx memory c, MarketParams memory p) = _loadFull();
            _loadReadyPrice(c, p);
            _checkLtv(c, p, pos.collateral, pos.normDebt.wadMulUp(c.index));
            _store(c);
        }
        _setPosition(msg.sender, pos);
        emit CollateralWithdrawn(msg.sender, receiver, amount);
        COLLATERAL.safeTransfer(receiver, amount);
    }

    /// @inheritdoc ILendingMarket
    function borrow(
        uint256 assets,
        address receiver
    ) external nonReentrant whenNotPaused returns (uint256 normDebt) {
        if (assets == 0) revert MarketZeroAmount();
        if (receiver == address(0)) revert MarketZeroAddress();
        (Ctx memory c, MarketParams memory p) = _loadFull();
        _loadReadyPrice(c, p);
        if (assets > c.cash) revert MarketInsufficientCash(c.cash, assets);
        Position memory pos = _position(msg.sender);
        // Debt rounds up: the borrower owes at least what was sent.
        normDebt = assets.wadDivUp(c.index);
        pos.normDebt += normDebt;
        uint256 debt = pos.normDebt.wadMulUp(c.index);
        if (debt < p.minDebt) revert MarketDebtBelowMinimum(debt, p.minDebt);
        _checkLtv(c, p, pos.collateral, debt);
        if (!pos.registered) {
            pos.registered = true;
            uint256 index = _borrowersCount;
            _borrowerAt[index] = msg.sender;
            // Over 4 billion borrowers would overflow the count: the next registration reverts (SafeCast).
            _borrowersCount = (index + 1).toUint32();
            emit BorrowerRegistered(msg.sender, index);
        }
        _setPosition(msg.sender, pos);
        c.totalNormDebt += normDebt;
        c.cash -= assets;
        _store(c);
        emit Borrowed(msg.sender, receiver, assets, normDebt);
        IERC20(asset()).safeTransfer(receiver, assets);
    }

    /// @inheritdoc ILendingMarket
    function repay(address account, uint256 assets) external nonReentrant returns (uint256 repaid) {
        if (assets == 0) revert MarketZeroAmount();
        (Ctx memory c, MarketParams memory p) = _loadFull();
        uint256 word = _positions[account];
        uint256 normDebt = uint104(word >> 112);
        if (normDebt == 0) revert MarketNoDebt(account);
        uint256 debt = normDebt.wadMulUp(c.index);
        uint256 normRepaid;
        if (assets >= debt) {
            (repaid, normRepaid) = (debt, normDebt);
        } else {
            // Rounds down: the borrower is credited no more than paid.
            (repaid, normRepaid) = (assets, assets.wadDivDown(c.index));
            uint256 remaining = (normDebt - normRepaid).wadMulUp(c.index);
            if (remaining < p.minDebt) revert MarketDebtBelowMinimum(remaining, p.minDebt);
        }
        // normRepaid <= normDebt: the subtraction stays within the normalised debt's bits.
        _positions[account] = word - (normRepaid << 112);
        c.totalNormDebt -= normRepaid;
        c.cash += repaid;
        _store(c);
        emit Repaid(msg.sender, account, repaid, normRepaid);
        _pullDebt(repaid, c.cash);
    }

    // ================================================================ keepers

    /// @inheritdoc ILendingMarket
    function liquidationStep(
        address account,
        uint256 maxRepay,
        uint256 minSeized,
        bytes calldata data
    ) external nonReentrant returns (uint256 repaid, uint256 seized) {
        if (maxRepay == 0) revert MarketZeroAmount();
        (Ctx memory c, MarketParams memory p) = _loadFull();
        (c.spot, c.status) = _oraclePrice();
        _loadPriceState(c, p);
        Position memory pos = _position(account);
        (StepPreview memory s, uint256 nextAt, uint256 normRepaid) = _plan(c, p, pos, maxRepay);
        if (s.status != StepStatus.Ready) revert MarketStepNotAllowed(s.status, nextAt);
        if (s.seized < minSeized) revert MarketStepSlippage(s.seized, minSeized);
        (repaid, seized) = (s.repaid, s.seized);

        // Unchecked, each bound by the plan: seized <= collateral (`_seize` caps it); normRepaid <= the position's
        // normalised debt (`settle`: all of it, or repaid / index rounded down with repaid < debt), which is part
        // of the market's total; tip <= repaid and tip <= reserves (`plan`); cash < 2^120 and repaid < 2^255.
        unchecked {
            pos.collateral -= seized;
            pos.normDebt -= normRepaid;
            c.totalNormDebt -= normRepaid;
            c.cash += repaid - s.tip;
            c.reserves -= s.tip;
        }
        pos.lastStepAt = block.timestamp;
        _setPosition(account, pos);
        // Bad debt falls on lenders; once their assets are gone, the rest falls on reserves (reserves never claim
        // more than the market holds, so later deposits are not drawn into the gap).
        if (s.badDebt != 0) c.reserves = c.reserves.min(c.cash + c.totalNormDebt.wadMulUp(c.index));
        // Pace counts the seized value rounded up, so the bucket fills no slower than collateral leaves.
        if (s.zone == Zone.Soft) c.paceUsed += seized.wadMulUp(c.spot);
        _store(c);
        emit LiquidationStepped(
            account,
            msg.sender,
            s.zone,
            repaid,
            seized,
            s.incentiveWad,
            s.tip,
            s.ltvBeforeWad,
            s.ltvAfterWad
        );
        if (s.badDebt != 0) emit BadDebtRealized(account, s.badDebt);

        COLLATERAL.safeTransfer(msg.sender, seized);
        if (data.length != 0) {
            ILiquidationStepCallback(msg.sender).onLiquidationStep(account, repaid, seized, s.tip, data);
        }
        _pullDebt(repaid - s.tip, c.cash);
    }

    /// @inheritdoc ILendingMarket
    function updatePriceState() external nonReentrant {
        (Ctx memory c, MarketParams memory p) = _loadFull();
        (c.spot, c.status) = _oraclePrice();
        _loadPriceState(c, p);
        _store(c);
    }

    // ================================================================ admin

    /// @notice Replaces every risk parameter at once (admin). Accrues interest first, under the old reserve factor.
    function setParams(MarketParams calldata newParams) external onlyRole(DEFAULT_ADMIN_ROLE) {
        (Ctx memory c, ) = _loadFull();
        _store(c);
        _setConfig(newParams, c.rateModel);
        emit ParamsUpdated(newParams);
    }

    /// @notice Replaces the rate model (admin). Interest up to now accrues at the old rate.
    function setRateModel(IRateModel newRateModel) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(newRateModel) == address(0)) revert MarketZeroAddress();
        (Ctx memory c, MarketParams memory p) = _loadFull();
        _store(c);
        _setConfig(p, newRateModel);
        emit RateModelUpdated(address(newRateModel));
    }

    /// @notice Sends reserves to `to` (admin), at most what reserves and cash both hold.
    function withdrawReserves(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (amount == 0) revert MarketZeroAmount();
        if (to == address(0)) revert MarketZeroAddress();
        Ctx memory c = _load();
        if (amount > c.reserves) revert MarketInsufficientReserves(c.reserves, amount);
        if (amount > c.cash) revert MarketInsufficientCash(c.cash, amount);
        c.reserves -= amount;
        c.cash -= amount;
        _store(c);
        emit ReservesWithdrawn(to, amount);
        IERC20(asset()).safeTransfer(to, amount);
    }

    /// @notice Stops borrowing, collateral withdrawal and vault deposits/withdrawals (guardian).
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Lifts `pause` (guardian).
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    /// @notice Whether the guardian paused the market. The flag shares a word with cash (OpenZeppelin's
    /// `Pausable` supplies the events, errors and modifiers; its own flag is unused).
    function paused() public view override returns (bool) {
        return _pausedFlag;
    }

    function _pause() internal override whenNotPaused {
        _pausedFlag = true;
        emit Paused(msg.sender);
    }

    function _unpause() internal override whenPaused {
        _pausedFlag = false;
        emit Unpaused(msg.sender);
    }

    // ================================================================ ERC-4626 (lenders)

    /// @notice Cash plus debt owed, less reserves, with interest to now.
    /// Reserves are a senior claim: should bad debt ever exceed what lenders have, lenders' assets are zero.
    function totalAssets() public view override returns (uint256) {
        Ctx memory c = _load();
        return (c.cash + c.totalNormDebt.wadMulUp(c.index)).zeroFloorSub(c.reserves);
    }

    /// @notice Zero while paused.
    function maxDeposit(address receiver) public view override returns (uint256) {
        return paused() ? 0 : super.maxDeposit(receiver);
    }

    /// @notice Zero while paused.
    function maxMint(address receiver) public view override returns (uint256) {
        return paused() ? 0 : super.maxMint(receiver);
    }

    /// @notice The owner's assets, capped by the market's cash; zero while paused.
    function maxWithdraw(address owner) public view override returns (uint256) {
        if (paused()) return 0;
        return super.maxWithdraw(owner).min(uint256(_cash));
    }

    /// @notice The owner's shares, capped by the shares the market's cash can pay; zero while paused.
    function maxRedeem(address owner) public view override returns (uint256) {
        if (paused()) return 0;
        return super.maxRedeem(owner).min(_convertToShares(uint256(_cash), Math.Rounding.Floor));
    }

    /// @dev Virtual shares and assets (10^6 : 1) make the first-depositor inflation attack unprofitable.
    function _decimalsOffset() internal pure override returns (uint8) {
        return 6;
    }

    /// @dev OpenZeppelin's deposit/mint priced the shares with `totalAssets()`, which already counts interest to
    /// now; here the accrual is booked (at the old cash) before cash changes.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        _checkVaultAction(assets, shares);
        Ctx memory c = _load();
        c.cash += assets;
        _store(c);
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
        _pullDebt(assets, c.cash);
    }

    function _withdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override {
        _checkVaultAction(assets, shares);
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        Ctx memory c = _load();
        // maxWithdraw/maxRedeem (checked by the caller) keep assets within cash.
        c.cash -= assets;
        _store(c);
        emit Withdraw(caller, receiver, owner, assets, shares);
        IERC20(asset()).safeTransfer(receiver, assets);
    }

    // ================================================================ views

    /// @inheritdoc ILendingMarket
    function previewLiquidationStep(
        address account,
        uint256 maxRepay
    ) public view returns (StepPreview memory s) {
        (Ctx memory c, MarketParams memory p) = _loadFull();
        bool usable;
        (usable, c.spot, c.status) = oracle.tryPrice();
        if (!usable) {
            s.status = StepStatus.OracleUnavailable;
            return s;
        }
        _loadPriceState(c, p);
        (s, , ) = _plan(c, p, _position(account), maxRepay);
    }

    /// @inheritdoc ILendingMarket
    function accounting()
        external
        view
        returns (uint256 cash, uint256 debt, uint256 reserves, uint256 borrowIndexWad)
    {
        Ctx memory c = _load();
        return (c.cash, c.totalNormDebt.wadMulUp(c.index), c.reserves, c.index);
    }

    /// @inheritdoc ILendingMarket
    function priceState()
        external
        view
        returns (
            bool oracleUsable,
            uint256 spotPriceWad,
            uint256 emaPriceWad,
            uint256 varianceWad,
            uint256 paceUsed
        )
    {
        Ctx memory c;
        (oracleUsable, c.spot, ) = oracle.tryPrice();
        if (!oracleUsable) return (false, 0, _emaPrice, _variance, _paceUsed);
        (MarketParams memory p, , ) = _readConfig(_configNonce);
        _loadPriceState(c, p);
        return (true, c.spot, c.ema, c.variance, c.paceUsed);
    }

    /// @inheritdoc ILendingMarket
    function debtOf(address account) external view returns (uint256) {
        return _position(account).normDebt.wadMulUp(_load().index);
    }

    /// @inheritdoc ILendingMarket
    function collateralOf(address account) external view returns (uint256) {
        return _position(account).collateral;
    }

    /// @inheritdoc ILendingMarket
    function totalDebt() external view returns (uint256) {
        Ctx memory c = _load();
        return c.totalNormDebt.wadMulUp(c.index);
    }

    /// @inheritdoc ILendingMarket
    function totalNormDebt() external view returns (uint256) {
        return _totalNormDebt;
    }

    /// @inheritdoc ILendingMarket
    function borrowersLength() external view returns (uint256) {
        return _borrowersCount;
    }

    /// @inheritdoc ILendingMarket
    function borrowersSlice(uint256 start, uint256 count) external view returns (address[] memory slice) {
        uint256 length = _borrowersCount;
        if (start >= length) return slice;
        uint256 end = count > length - start ? length : start + count;
        slice = new address[](end - start);
        for (uint256 i = start; i < end; ++i) {
            slice[i - start] = _borrowerAt[i];
        }
    }

    /// @inheritdoc ILendingMarket
    function packedPositions(address[] calldata accounts) external view returns (uint256[] memory words) {
        words = new uint256[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) words[i] = _positions[accounts[i]];
    }

    /// @inheritdoc ILendingMarket
    function params() external view returns (MarketParams memory p) {
        (p, , ) = _readConfig(_configNonce);
    }

    /// @inheritdoc ILendingMarket
    function rateModel() external view returns (IRateModel model) {
        (, model, ) = _readConfig(_configNonce);
    }

    /// @inheritdoc ILendingMarket
    function config() external view returns (address) {
        return _configAt(_configNonce);
    }

    /// @inheritdoc ILendingMarket
    function collateralToken() external view returns (address) {
        return address(COLLATERAL);
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ILendingMarket).interfaceId || super.supportsInterface(interfaceId);
    }

    // ================================================================ internal

    /// @dev Reads the hot state and accrues interest in memory up to now.
    function _load() internal view returns (Ctx memory c) {
        uint256 nonce;
        (c, nonce) = _books();
        // Nothing accrues within the block of the last accrual, nor without debt: the rate model is not asked.
        if (c.elapsed != 0 && c.totalNormDebt != 0) {
            (uint256 reserveFactorBps, IRateModel model, KinkedRate.Curve memory curve) = _readAccrualConfig(
                nonce
            );
            _accrue(c, reserveFactorBps, model, curve);
        }
    }

    /// @dev `_load`, and the configuration's parameters, read once for both.
    function _loadFull() internal view returns (Ctx memory c, MarketParams memory p) {
        uint256 nonce;
        (c, nonce) = _books();
        KinkedRate.Curve memory curve;
        (p, c.rateModel, curve) = _readConfig(nonce);
        if (c.elapsed != 0 && c.totalNormDebt != 0) _accrue(c, p.reserveFactorBps, c.rateModel, curve);
    }

    /// @dev The two book words, and the current configuration's number.
    function _books() private view returns (Ctx memory c, uint256 nonce) {
        (c.totalNormDebt, c.index, c.elapsed) = (
            _totalNormDebt,
            _borrowIndex,
            block.timestamp - _lastAccrualAt
        );
        (c.cash, c.reserves, nonce) = (_cash, _reserves, _configNonce);
    }

    /// @dev Accrues interest over `c.elapsed` in memory, at `model`'s rate for the books before it: computed from
    /// the curve the model declared, if it did, else asked of the model.
    function _accrue(
        Ctx memory c,
        uint256 reserveFactorBps,
        IRateModel model,
        KinkedRate.Curve memory curve
    ) private view {
        c.rateModel = model;
        uint256 elapsed = c.elapsed;
        uint256 debtBefore = c.totalNormDebt.wadMulUp(c.index);
        uint256 rate =
            curve.kinkWad != 0
                ? KinkedRate.ratePerSecondWad(curve, c.cash, debtBefore)
                : model.borrowRatePerSecondWad(c.cash, debtBefore);
        // Simple interest over the elapsed time, compounded at each accrual; the index rounds up (debt up).
        c.index = c.index.wadMulUp(WAD + rate * elapsed);
        c.interest = c.totalNormDebt.wadMulUp(c.index) - debtBefore;
        // Reserves' share rounds down: lenders keep the remainder.
        c.reserveShare = c.interest.mulDivDown(reserveFactorBps, BPS);
        c.reserves += c.reserveShare;
    }

    /// @dev Reads the oracle and requires a fully healthy status (borrow, withdraw).
    function _loadReadyPrice(Ctx memory c, MarketParams memory p) internal view {
        (c.spot, c.status) = _oraclePrice();
        if (c.status != OracleStatus.Ok) revert MarketOracleNotReady(c.status);
        _loadPriceState(c, p);
    }

    /// @dev Moves the smoothed price, variance and pace bucket to now, in memory, given `c.spot`.
    function _loadPriceState(Ctx memory c, MarketParams memory p) internal view {
        c.priceLoaded = true;
        (c.sampledPrice, c.sampledAt, c.variance) = (_sampledPrice, _sampledAt, _variance);
        if (c.sampledPrice == 0) {
            // First observation: everything starts at spot.
            (c.ema, c.sampledPrice, c.sampledAt, c.sampled, c.priceMoved) = (
                c.spot,
                c.spot,
                block.timestamp,
                true,
                true
            );
            return;
        }
        uint256 elapsed = block.timestamp - _priceUpdatedAt;
        c.priceMoved = elapsed != 0;
        c.ema = PriceSmoothing.nextEma(_emaPrice, c.spot, elapsed, p.confirmDelaySeconds);
        c.paceUsed = PriceSmoothing.drainedPace(
            _paceUsed,
            elapsed,
            p.maxSoftSeizePerWindow,
            p.paceWindowSeconds
        );
        // Returns are sampled at most once per VARIANCE_SAMPLE_SECONDS, so calling updatePriceState more often
        // cannot thin the estimate out.
        uint256 sinceSample = block.timestamp - c.sampledAt;
        if (sinceSample >= PriceSmoothing.VARIANCE_SAMPLE_SECONDS) {
            c.variance = PriceSmoothing.nextVariance(
                c.variance,
                c.sampledPrice,
                c.spot,
                sinceSample,
                p.volTauSeconds
            );
            (c.sampledPrice, c.sampledAt, c.sampled) = (c.spot, block.timestamp, true);
        }
    }

    /// @dev Writes back what `_load` (and `_loadPriceState`) read, with the action's changes, and emits the
    /// accrual and price-state events when they moved.
    function _store(Ctx memory c) internal {
        _totalNormDebt = c.totalNormDebt.toUint128();
        _borrowIndex = c.index.toUint96();
        _lastAccrualAt = uint32(block.timestamp);
        _cash = c.cash.toUint120();
        // Saturating: reserves grow with time (interest), and a revert here would stop the market; what a cap at
        // 2^112 - 1 leaves out stays with lenders (totalAssets = cash + debt - reserves).
        _reserves = uint112(c.reserves.min(type(uint112).max));
        if (c.interest != 0) emit InterestAccrued(c.index, c.interest, c.reserveShare);
        if (!c.priceLoaded) return;
        (_emaPrice, _priceUpdatedAt, _paceUsed) = (
            c.ema.toUint128(),
            uint32(block.timestamp),
            uint96(c.paceUsed.min(type(uint96).max))
        );
        if (c.sampled) {
            (_sampledPrice, _sampledAt, _variance) = (
                c.sampledPrice.toUint128(),
                uint32(block.timestamp),
                uint64(c.variance) // capped at 16e18 < 2^64 by PriceSmoothing
            );
        }
        if (c.priceMoved) emit PriceStateUpdated(c.spot, c.ema, c.variance);
    }

    /// @dev The step `account` allows now, and the normalised debt it removes. Shared by the step and its preview.
    function _plan(
        Ctx memory c,
        MarketParams memory p,
        Position memory pos,
        uint256 maxRepay
    ) internal view returns (StepPreview memory s, uint256 nextAt, uint256 normRepaid) {
        uint256 debt = pos.normDebt.wadMulUp(c.index);
        (s, nextAt) = LiquidationSchedule.plan(
            p,
            LiquidationSchedule.Inputs({
                collateral: pos.collateral,
                debt: debt,
                lastStepAt: pos.lastStepAt,
                spotPriceWad: c.spot,
                emaPriceWad: c.ema,
                varianceWad: c.variance,
                oracleStatus: c.status,
                paceRoom: uint256(p.maxSoftSeizePerWindow).zeroFloorSub(c.paceUsed),
                reserves: c.reserves,
                maxRepay: maxRepay,
                timestamp: block.timestamp
            })
        );
        if (s.status != StepStatus.Ready) return (s, nextAt, 0);
        normRepaid = LiquidationSchedule.settle(s, debt, pos.normDebt, c.totalNormDebt, c.index);
    }

    /// @dev `account`'s position, unpacked from its word.
    function _position(address account) internal view returns (Position memory pos) {
        uint256 word = _positions[account];
        pos.collateral = uint112(word);
        pos.normDebt = uint104(word >> 112);
        pos.lastStepAt = uint32(word >> 216);
        pos.registered = (word >> 248) != 0;
    }

    /// @dev Packs and writes `pos` in one store. Collateral above 2^112 - 1 or normalised debt above 2^104 - 1
    /// reverts (SafeCast); a step time fits 32 bits until 2106.
    function _setPosition(address account, Position memory pos) internal {
        _positions[account] =
            uint256(pos.collateral.toUint112()) |
            (uint256(pos.normDebt.toUint104()) << 112) |
            (uint256(uint32(pos.lastStepAt)) << 216) |
            (pos.registered ? uint256(1) << 248 : 0);
    }

    /// @dev Vault deposits and withdrawals: no zero amounts, and none from inside a step's callback.
    function _checkVaultAction(uint256 assets, uint256 shares) internal view {
        if (assets == 0 || shares == 0) revert MarketZeroAmount();
        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();
    }

    function _checkLtv(Ctx memory c, MarketParams memory p, uint256 collateral, uint256 debt) internal pure {
        uint256 ltv = LiquidationSchedule.ltvWad(debt, LiquidationSchedule.valueOf(collateral, c.spot));
        uint256 maxLtv = WadMath.bpsToWad(p.maxLtvBps);
        if (ltv > maxLtv) revert MarketLtvTooHigh(ltv, maxLtv);
    }

    // ---------------------------------------------------------------- configuration

    /// @dev Validates `p` and deploys the next configuration, holding `p` and `model`, as the code of a data
    /// contract. Its runtime code is a STOP byte followed by `abi.encode(p, model)`; its init code is the 10-byte
    /// prefix `PUSH2 n DUP1 PUSH1 0x0a RETURNDATASIZE CODECOPY RETURNDATASIZE RETURN`, which returns the n bytes
    /// after it. The market creates no other contract, so configuration k sits at the CREATE address of the
    /// market's nonce k (`_configAt`) and only k needs storing.
    function _setConfig(MarketParams memory p, IRateModel model) internal {
        (bool ok, uint256 code) = LiquidationSchedule.validate(p);
        if (!ok) revert MarketInvalidParams(code);
        // A contract's nonce starts at 1 (EIP-161): the constructor deploys configuration 1.
        uint256 nonce = uint256(_configNonce) + 1;
        if (nonce > MAX_CONFIGS) revert MarketConfigUpdatesExhausted(MAX_CONFIGS);
        bytes memory runtime = abi.encodePacked(bytes1(0x00), abi.encode(p, model, _declaredCurve(model)));
        bytes memory init = abi.encodePacked(
            bytes1(0x61),
            uint16(runtime.length),
            bytes7(0x80600a3d393df3),
            runtime
        );
        address deployed;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            deployed := create(0, add(init, 0x20), mload(init))
        }
        // Cannot fail (the init code only returns data) unless out of gas; the address check guards the rule
        // `_configAt` relies on.
        if (deployed == address(0) || deployed != _configAt(nonce)) revert MarketConfigNotDeployed(deployed);
        _configNonce = uint16(nonce);
    }

    /// @dev The parameters, rate model and declared curve of configuration `nonce`, copied from its code in one
    /// EXTCODECOPY straight into freshly allocated memory: a MarketParams (its memory layout is the ABI encoding's:
    /// one word per field, in order, each written by `abi.encode` from a validated struct, so every field is
    /// clean), the rate model's word, then the Curve (4 words, laid out the same way).
    function _readConfig(
        uint256 nonce
    ) internal view returns (MarketParams memory p, IRateModel model, KinkedRate.Curve memory curve) {
        address at = _configAt(nonce);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            p := mload(0x40)
            mstore(0x40, add(p, CONFIG_BYTES))
            extcodecopy(at, p, 1, CONFIG_BYTES)
            model := mload(add(p, CONFIG_MODEL_AT))
            curve := add(p, add(CONFIG_MODEL_AT, 0x20))
        }
    }

    /// @dev Only what accrual needs of configuration `nonce`: the reserve factor (the 10th word of MarketParams),
    /// copied into scratch space, and the rate model with its curve (5 words), into fresh memory.
    function _readAccrualConfig(
        uint256 nonce
    ) internal view returns (uint256 reserveFactorBps, IRateModel model, KinkedRate.Curve memory curve) {
        address at = _configAt(nonce);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(at, 0x00, add(1, mul(9, 0x20)), 0x20)
            reserveFactorBps := mload(0x00)
            let ptr := mload(0x40)
            mstore(0x40, add(ptr, 0xa0))
            extcodecopy(at, ptr, add(1, CONFIG_MODEL_AT), 0xa0)
            model := mload(ptr)
            curve := add(ptr, 0x20)
        }
    }

    /// @dev The kinked curve `model` declares (`IKinkedRateModel.kinkedCurve`), or all zeros when it declares none
    /// or one outside KinkedRateModel's own bounds (a kink in (0, 1], rates up to 1,000 % a year): the market then
    /// calls the model at every accrual.
    function _declaredCurve(IRateModel model) internal view returns (KinkedRate.Curve memory curve) {
        (bool ok, bytes memory data) = address(model).staticcall(
            abi.encodeCall(IKinkedRateModel.kinkedCurve, ())
        );
        if (!ok || data.length != 4 * 32) return curve;
        KinkedRate.Curve memory declared = abi.decode(data, (KinkedRate.Curve));
        if (
            declared.kinkWad == 0 ||
            declared.kinkWad > WAD ||
            declared.baseRatePerSecondWad > MAX_CURVE_RATE_PER_SECOND_WAD ||
            declared.slope1PerSecondWad > MAX_CURVE_RATE_PER_SECOND_WAD ||
            declared.slope2PerSecondWad > MAX_CURVE_RATE_PER_SECOND_WAD
        ) return curve;
        return declared;
    }

    /// @dev The CREATE address of this market at `nonce` (1 to 65,535): keccak256(rlp([address(this), nonce])),
    /// the last 20 bytes. RLP: a list prefix 0xc0 + payload length, 0x94 and the 20-byte address, then the nonce as
    /// one byte below 0x80, else 0x81 or 0x82 and its one or two bytes.
    function _configAt(uint256 nonce) internal view returns (address at) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Scratch space (0x00-0x3f) holds the at most 25 bytes.
            mstore(0x02, shl(96, address()))
            mstore8(0x01, 0x94)
            let length := 23
            switch lt(nonce, 0x80)
            case 1 {
                mstore8(0x16, nonce)
            }
            default {
                switch lt(nonce, 0x100)
                case 1 {
                    mstore8(0x16, 0x81)
                    mstore8(0x17, nonce)
                    length := 24
                }
                default {
                    mstore8(0x16, 0x82)
                    mstore8(0x17, shr(8, nonce))
                    mstore8(0x18, and(nonce, 0xff))
                    length := 25
                }
            }
            mstore8(0x00, add(0xc0, sub(length, 1)))
            at := and(keccak256(0x00, length), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    /// @dev Pulls `amount` debt tokens from the caller, after the books already count them in `cashAfter`, and
    /// checks that the market holds at least what it books: `balanceOf(market) >= cash`. That is the property the
    /// fee-on-transfer check exists for (the books never count tokens the market does not hold), and it holds
    /// before every pull (inductively: every action keeps it, and only transfers move the balance), so one read
    /// after the transfer enforces it as surely as comparing two reads around it: a token that delivers less
    /// than `amount` is refused unless tokens sent to the market outside the books (which belong to nobody) cover
    /// the shortfall. `received` in the error is what the books could credit, `balance - (cashAfter - amount)`.
    function _pullDebt(uint256 amount, uint256 cashAfter) internal {
        if (amount == 0) return;
        IERC20 token = IERC20(asset());
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 balance = _selfBalance(token);
        if (balance < cashAfter) {
            revert MarketTransferMismatch(address(token), amount, balance.zeroFloorSub(cashAfter - amount));
        }
    }

    /// @dev `oracle.priceWithStatus()`, called from scratch space: a reverting oracle's error bubbles (the step and
    /// the borrow revert with it), and a return shorter than two words or a status outside OracleStatus reverts
    /// (`MarketOracleBadReturn`), as the high-level call's decoding would.
    function _oraclePrice() internal view returns (uint256 spot, OracleStatus status) {
        IPriceOracle source = oracle;
        bytes4 selector = IPriceOracle.priceWithStatus.selector;
        uint256 code;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, selector)
            let ok := staticcall(gas(), source, 0x00, 0x04, 0x00, 0x40)
            if iszero(ok) {
                let size := returndatasize()
                returndatacopy(0x00, 0x00, size)
                revert(0x00, size)
            }
            spot := mload(0x00)
            code := mload(0x20)
            // Too short a return reads as an invalid status.
            if lt(returndatasize(), 0x40) {
                code := not(0)
            }
        }
        if (code > uint256(type(OracleStatus).max)) revert MarketOracleBadReturn(address(source));
        status = OracleStatus(code);
    }

    /// @dev `token.balanceOf(address(this))`, called from scratch space: a reverting call bubbles its revert data,
    /// a return shorter than a word reverts, as a high-level call would, for less encoding and decoding.
    function _selfBalance(IERC20 token) internal view returns (uint256 held) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, 0x70a08231) // balanceOf(address)
            mstore(0x20, address())
            let ok := staticcall(gas(), token, 0x1c, 0x24, 0x00, 0x20)
            if iszero(ok) {
                let size := returndatasize()
                returndatacopy(0x00, 0x00, size)
                revert(0x00, size)
            }
            if lt(returndatasize(), 0x20) {
                revert(0x00, 0x00)
            }
            held := mload(0x00)
        }
    }

    /// @dev Pulls exactly `amount` of `token` from the caller; a token that delivers less (fee on transfer) is
    /// refused, so the books never count tokens the market does not hold. Collateral has no booked total to
    /// compare one read with, so it is read before and after.
    function _pullExact(IERC20 token, uint256 amount) internal {
        if (amount == 0) return;
        uint256 balanceBefore = _selfBalance(token);
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _selfBalance(token) - balanceBefore;
        if (received != amount) revert MarketTransferMismatch(address(token), amount, received);
    }
}
