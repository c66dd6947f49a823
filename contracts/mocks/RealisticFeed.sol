// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice Gas-realistic stand-in for a live Chainlink feed: an OCR-style aggregator (hot variables packed in one
/// slot, one packed transmission per round) behind a phase-aware proxy, so that a price read costs what it costs
/// on chain (proxy, then aggregator; three cold storage slots). Test and benchmark use only.
contract OcrStyleAggregator is AggregatorV3Interface {
    struct HotVars {
        uint32 latestAggregatorRoundId;
        uint32 epochAndRound;
        uint8 threshold;
    }

    struct Transmission {
        int192 answer;
        uint32 observationsTimestamp;
        uint32 transmissionTimestamp;
    }

    uint8 public immutable override decimals;
    string public override description;
    uint256 public constant override version = 4;

    HotVars internal _hotVars;
    mapping(uint32 roundId => Transmission) internal _transmissions;

    constructor(uint8 decimals_, string memory description_, int192 initialAnswer) {
        decimals = decimals_;
        description = description_;
        transmit(initialAnswer);
    }

    /// @notice Publishes a new answer stamped now (what the DON's transmission does).
    function transmit(int192 answer) public {
        transmitAt(answer, uint32(block.timestamp));
    }

    function transmitAt(int192 answer, uint32 timestamp) public {
        uint32 roundId = _hotVars.latestAggregatorRoundId + 1;
        _hotVars.latestAggregatorRoundId = roundId;
        _transmissions[roundId] = Transmission(answer, timestamp, timestamp);
    }

    function getRoundData(
        uint80 roundId
    ) external view override returns (uint80, int256, uint256, uint256, uint80) {
        Transmission memory t = _transmissions[uint32(roundId)];
        return (roundId, t.answer, t.observationsTimestamp, t.transmissionTimestamp, roundId);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        uint32 roundId = _hotVars.latestAggregatorRoundId;
        Transmission memory t = _transmissions[roundId];
        return (roundId, t.answer, t.observationsTimestamp, t.transmissionTimestamp, roundId);
    }
}

/// @notice Phase-aware proxy in the manner of Chainlink's aggregator proxies: it forwards to the current phase's
/// aggregator and prefixes round ids with the phase id.
contract PhasedAggregatorProxy is AggregatorV3Interface {
    struct Phase {
        uint16 id;
        AggregatorV3Interface aggregator;
    }

    Phase internal _currentPhase;
    address public immutable owner;

    constructor(AggregatorV3Interface aggregator) {
        owner = msg.sender;
        _currentPhase = Phase(1, aggregator);
    }

    /// @notice Points the proxy at a new aggregator (a new phase), as feed owners do on upgrades.
    function proposeAndConfirmAggregator(AggregatorV3Interface aggregator) external {
        require(msg.sender == owner, "only owner");
        _currentPhase = Phase(_currentPhase.id + 1, aggregator);
    }

    function aggregator() external view returns (address) {
        return address(_currentPhase.aggregator);
    }

    function decimals() external view override returns (uint8) {
        return _currentPhase.aggregator.decimals();
    }

    function description() external view override returns (string memory) {
        return _currentPhase.aggregator.description();
    }

    function version() external view override returns (uint256) {
        return _currentPhase.aggregator.version();
    }

    function getRoundData(
        uint80 roundId
    ) external view override returns (uint80, int256, uint256, uint256, uint80) {
        Phase memory phase = _currentPhase;
        (, int256 answer, uint256 startedAt, uint256 updatedAt, ) = phase.aggregator.getRoundData(
            uint64(roundId)
        );
        return (roundId, answer, startedAt, updatedAt, roundId);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        Phase memory phase = _currentPhase;
        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, ) = phase
            .aggregator
            .latestRoundData();
        uint80 proxyRoundId = (uint80(phase.id) << 64) | roundId;
        return (proxyRoundId, answer, startedAt, updatedAt, proxyRoundId);
    }
}
