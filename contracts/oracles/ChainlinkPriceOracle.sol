// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPriceOracle, OracleStatus} from "../interfaces/IPriceOracle.sol";
import {WadMath} from "../libraries/WadMath.sol";

/// @title ChainlinkPriceOracle
/// @notice Collateral price in debt-token units from one Chainlink feed (collateral/debt) or two composed feeds
/// (collateral/USD divided by debt/USD), each checked for failure, staleness and bounds, with an optional L2
/// sequencer uptime feed. Immutable: a new configuration is a new oracle.
contract ChainlinkPriceOracle is IPriceOracle {
    /// @notice One price feed and the checks applied to its answers.
    /// @param feed The feed proxy (never the aggregator behind it).
    /// @param heartbeatSeconds Maximum age of `updatedAt`; set just above the feed's published heartbeat.
    /// @param minAnswer Smallest accepted answer, in the feed's decimals. Set it above the aggregator's own floor,
    /// so that an answer clamped at that floor is refused rather than taken as a price.
    /// @param maxAnswer Largest accepted answer, in the feed's decimals (below the aggregator's ceiling).
    struct FeedConfig {
        address feed;
        uint32 heartbeatSeconds;
        int256 minAnswer;
        int256 maxAnswer;
    }

    /// @notice A feed call reverted or returned malformed data (a retired or wrong feed).
    error OracleFeedCallFailed(address feed);
    /// @notice A feed call failed with almost no gas left: the caller starved it, so the failure is not believed.
    error OracleInsufficientGas(address feed);
    /// @notice The feed answered zero or a negative number.
    error OracleAnswerNotPositive(address feed, int256 answer);
    /// @notice The answer lies outside the configured `[minAnswer, maxAnswer]`.
    error OracleAnswerOutOfBounds(address feed, int256 answer, int256 minAnswer, int256 maxAnswer);
    /// @notice `updatedAt` is zero or in the future.
    error OracleBadTimestamp(address feed, uint256 updatedAt);
    /// @notice The answer is older than the feed's heartbeat allows.
    error OracleStale(address feed, uint256 updatedAt, uint256 heartbeatSeconds);
    /// @notice The composed price rounds to zero (pair not supported at this scale).
    error OracleZeroPrice();
    /// @notice The sequencer uptime feed returned a round with `startedAt == 0`.
    error OracleSequencerRoundInvalid(address sequencerFeed);
    /// @notice The sequencer is down (strict `price()` only).
    error OracleSequencerDown(address sequencerFeed);
    /// @notice The sequencer is up but since less than the grace period (strict `price()` only).
    error OracleSequencerGracePeriod(address sequencerFeed, uint256 upSince, uint256 gracePeriodSeconds);
    /// @notice Constructor: a required address is zero.
    error OracleZeroAddress();
    /// @notice Constructor: a heartbeat of zero; bounds that are not `0 < minAnswer < maxAnswer < 2^128 - 1`; a
    /// quote config without a quote feed (`feed` is then zero); or bounds allowing a price of 2^128 or more.
    error OracleInvalidFeedConfig(address feed);
    /// @notice Constructor: a token or feed has more than 18 decimals.
    error OracleUnsupportedDecimals(address source, uint8 decimals);
    /// @notice Constructor: a sequencer feed without a grace period, or a grace period without a sequencer feed.
    error OracleInvalidGracePeriod(uint256 gracePeriodSeconds);

    /// @notice Largest decimals accepted for a token or a feed; keeps every scale factor within 10^54.
    uint8 internal constant MAX_DECIMALS = 18;
    /// @notice `maxAnswer` must stay below this (2^128 - 1).
    int256 internal constant MAX_ANSWER_BOUND = int256(uint256(type(uint128).max));

    address public immutable baseFeed;
    uint32 public immutable baseHeartbeatSeconds;
    int256 public immutable baseMinAnswer;
    int256 public immutable baseMaxAnswer;

    /// @notice Zero when the price comes from the base feed alone.
    address public immutable quoteFeed;
    uint32 public immutable quoteHeartbeatSeconds;
    int256 public immutable quoteMinAnswer;
    int256 public immutable quoteMaxAnswer;

    /// @notice Zero on chains without a sequencer.
    address public immutable sequencerFeed;
    /// @notice Seconds after the sequencer comes back up during which the status is `SequencerGrace`.
    uint256 public immutable gracePeriodSeconds;

    /// @dev priceWad = baseAnswer * SCALE_UP / (quoteAnswer * SCALE_DOWN); one of the two factors is 1.
    uint256 internal immutable SCALE_UP;
    uint256 internal immutable SCALE_DOWN;

    /// @param collateralToken Token priced (its decimals are read here).
    /// @param debtToken Token the price is expressed in (its decimals are read here).
    /// @param base collateral/debt feed, or collateral/USD when `quote.feed` is set.
    /// @param quote debt/USD feed, or `feed == address(0)` for a single-feed price.
    /// @param sequencerUptimeFeed L2 sequencer uptime feed, or zero on L1.
    /// @param sequencerGracePeriodSeconds Grace after the sequencer comes back (e.g. 3600); zero on L1.
    constructor(
        address collateralToken,
        address debtToken,
        FeedConfig memory base,
        FeedConfig memory quote,
        address sequencerUptimeFeed,
        uint256 sequencerGracePeriodSeconds
    ) {
        if (collateralToken == address(0) || debtToken == address(0)) revert OracleZeroAddress();
        _checkFeedConfig(base);
        if ((sequencerUptimeFeed == address(0)) != (sequencerGracePeriodSeconds == 0)) {
            revert OracleInvalidGracePeriod(sequencerGracePeriodSeconds);
        }

        uint256 exponentUp = 18 + _tokenDecimals(debtToken);
        uint256 exponentDown = _tokenDecimals(collateralToken) + _feedDecimals(base.feed);

        baseFeed = base.feed;
        baseHeartbeatSeconds = base.heartbeatSeconds;
        baseMinAnswer = base.minAnswer;
        baseMaxAnswer = base.maxAnswer;

        if (quote.feed != address(0)) {
            _checkFeedConfig(quote);
            exponentUp += _feedDecimals(quote.feed);
        } else if (quote.heartbeatSeconds != 0 || quote.minAnswer != 0 || quote.maxAnswer != 0) {
            revert OracleInvalidFeedConfig(address(0));
        }
        quoteFeed = quote.feed;
        quoteHeartbeatSeconds = quote.heartbeatSeconds;
        quoteMinAnswer = quote.minAnswer;
        quoteMaxAnswer = quote.maxAnswer;

        sequencerFeed = sequencerUptimeFeed;
        gracePeriodSeconds = sequencerGracePeriodSeconds;
        if (sequencerUptimeFeed != address(0)) _sequencer(); // reverts unless it reads as an uptime feed

        // Net power of ten, applied once: 10^(18 + debtDec + quoteFeedDec - collateralDec - baseFeedDec).
        (uint256 scaleUp, uint256 scaleDown) = exponentUp >= exponentDown
            ? (10 ** (exponentUp - exponentDown), uint256(1))
            : (uint256(1), 10 ** (exponentDown - exponentUp));
        // The highest price the bounds allow, baseMax * scaleUp / (quoteMin * scaleDown), must fit in 128 bits:
        // markets store prices in uint128, and the composition can then never overflow.
        uint256 smallestDenominator = (quote.feed == address(0) ? 1 : uint256(quote.minAnswer)) * scaleDown;
        if (scaleUp > smallestDenominator) {
            uint256 factor = Math.ceilDiv(scaleUp, smallestDenominator);
            if (uint256(base.maxAnswer) > type(uint128).max / factor)
                revert OracleInvalidFeedConfig(base.feed);
        }
        SCALE_UP = scaleUp;
        SCALE_DOWN = scaleDown;
    }

    /// @inheritdoc IPriceOracle
    function price() external view returns (uint256 priceWad) {
        OracleStatus status;
        uint256 upSince;
        (priceWad, status, upSince) = _priceWithStatus();
        if (status == OracleStatus.SequencerDown) revert OracleSequencerDown(sequencerFeed);
        if (status == OracleStatus.SequencerGrace) {
            revert OracleSequencerGracePeriod(sequencerFeed, upSince, gracePeriodSeconds);
        }
    }

    /// @inheritdoc IPriceOracle
    function priceWithStatus() external view returns (uint256 priceWad, OracleStatus status) {
        (priceWad, status, ) = _priceWithStatus();
    }

    /// @inheritdoc IPriceOracle
    /// @dev Runs `priceWithStatus` in a sub-call, so every failure it can meet (a broken, stale, out-of-bounds or
    /// gas-burning feed, an unreadable sequencer feed) reads as unusable, by the very same checks.
    function tryPrice() external view returns (bool usable, uint256 priceWad, OracleStatus status) {
        try this.priceWithStatus() returns (uint256 priceWad_, OracleStatus status_) {
            return (true, priceWad_, status_);
        } catch {
            return (false, 0, OracleStatus.Ok);
        }
    }

    // ---------------------------------------------------------------- internal

    /// @dev Also returns when the sequencer's current status began (0 without a sequencer feed).
    function _priceWithStatus()
        internal
        view
        returns (uint256 priceWad, OracleStatus status, uint256 upSince)
    {
        int256 baseAnswer = _answerOrRevert(baseFeed, baseHeartbeatSeconds, baseMinAnswer, baseMaxAnswer);
        int256 quoteAnswer = 1;
        if (quoteFeed != address(0)) {
            quoteAnswer = _answerOrRevert(quoteFeed, quoteHeartbeatSeconds, quoteMinAnswer, quoteMaxAnswer);
        }
        priceWad = _compose(baseAnswer, quoteAnswer);
        if (priceWad == 0) revert OracleZeroPrice();
        if (sequencerFeed != address(0)) {
            int256 answer;
            (answer, upSince) = _sequencer();
            status = _sequencerStatus(answer, upSince);
        }
    }

    /// @dev Both answers are positive (checked). Rounds down: a lower collateral price favours lenders. The
    /// product takes WadMath's one-word path unless it overflows 256 bits (then its 512-bit one).
    function _compose(int256 baseAnswer, int256 quoteAnswer) internal view returns (uint256) {
        return WadMath.mulDivDown(uint256(baseAnswer), SCALE_UP, uint256(quoteAnswer) * SCALE_DOWN);
    }

    /// @dev Sequencer answer 0 means up, anything else down. Grace runs for `gracePeriodSeconds` after `startedAt`
    /// (the moment the current status began); a `startedAt` in the future is treated as still in grace.
    function _sequencerStatus(int256 answer, uint256 startedAt) internal view returns (OracleStatus) {
        if (answer != 0) return OracleStatus.SequencerDown;
        if (startedAt > block.timestamp || block.timestamp - startedAt <= gracePeriodSeconds) {
            return OracleStatus.SequencerGrace;
        }
        return OracleStatus.Ok;
    }

    /// @dev The uptime feed has no heartbeat: its answer changes only when the sequencer's state does.
    function _sequencer() internal view returns (int256 answer, uint256 startedAt) {
        bool ok;
        (ok, answer, startedAt, ) = _latestRound(sequencerFeed);
        if (!ok) revert OracleFeedCallFailed(sequencerFeed);
        if (startedAt == 0) revert OracleSequencerRoundInvalid(sequencerFeed);
    }

    /// @dev Reads `latestRoundData()` and applies every check, reverting with the first that fails.
    function _answerOrRevert(
        address feed,
        uint256 heartbeatSeconds,
        int256 minAnswer,
        int256 maxAnswer
    ) internal view returns (int256 answer) {
        (bool ok, int256 answer_, , uint256 updatedAt) = _latestRound(feed);
        if (!ok) revert OracleFeedCallFailed(feed);
        answer = answer_;
        if (answer <= 0) revert OracleAnswerNotPositive(feed, answer);
        if (answer < minAnswer || answer > maxAnswer)
            revert OracleAnswerOutOfBounds(feed, answer, minAnswer, maxAnswer);
        if (updatedAt == 0 || updatedAt > block.timestamp) revert OracleBadTimestamp(feed, updatedAt);
        if (block.timestamp - updatedAt > heartbeatSeconds)
            revert OracleStale(feed, updatedAt, heartbeatSeconds);
    }

    /// @dev `latestRoundData()` as a low-level static call: like try/catch, a reverting (retired) feed is caught,
    /// and so is malformed return data (shorter than the five words), which a high-level try/catch would let
    /// revert in this frame. The words are read straight from the return buffer (no copy, no decoding: every
    /// field is a full word, `answer` a signed one). A failure with almost no gas left means the caller starved
    /// the call (EIP-150 forwards at most 63/64 of the gas), so it reverts instead of reporting the feed as broken.
    function _latestRound(
        address feed
    ) internal view returns (bool ok, int256 answer, uint256 startedAt, uint256 updatedAt) {
        uint256 gasBefore = gasleft();
        bytes4 selector = AggregatorV3Interface.latestRoundData.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // The call goes out from scratch space; its five words come back above the free memory pointer,
            // which is not moved: they are read at once.
            let out := mload(0x40)
            mstore(0x00, selector)
            ok := staticcall(gas(), feed, 0x00, 0x04, out, 0xa0)
            // (A separate statement: Yul evaluates arguments right to left, so within one expression the size
            // would be the previous call's.)
            ok := and(ok, iszero(lt(returndatasize(), 0xa0)))
            answer := mload(add(out, 0x20))
            startedAt := mload(add(out, 0x40))
            updatedAt := mload(add(out, 0x60))
        }
        if (!ok && gasleft() <= gasBefore / 64) revert OracleInsufficientGas(feed);
    }

    function _checkFeedConfig(FeedConfig memory config) private pure {
        if (config.feed == address(0)) revert OracleZeroAddress();
        if (
            config.heartbeatSeconds == 0 ||
            config.minAnswer <= 0 ||
            config.minAnswer >= config.maxAnswer ||
            config.maxAnswer >= MAX_ANSWER_BOUND
        ) revert OracleInvalidFeedConfig(config.feed);
    }

    function _tokenDecimals(address token) private view returns (uint256) {
        return _checkDecimals(token, IERC20Metadata(token).decimals());
    }

    function _feedDecimals(address feed) private view returns (uint256) {
        return _checkDecimals(feed, AggregatorV3Interface(feed).decimals());
    }

    function _checkDecimals(address source, uint8 decimals) private pure returns (uint256) {
        if (decimals > MAX_DECIMALS) revert OracleUnsupportedDecimals(source, decimals);
        return decimals;
    }
}
