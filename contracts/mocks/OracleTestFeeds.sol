// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test-only Chainlink-like feeds that misbehave in one specific way each, for the oracle's failure paths.
/// Normal feeds and the sequencer uptime feed use Chainlink's `MockV3Aggregator`.

/// @notice A retired feed: `decimals()` still answers, `latestRoundData()` always reverts.
contract RevertingFeed {
    error RevertingFeedRetired();

    uint8 public immutable decimals;

    constructor(uint8 decimals_) {
        decimals = decimals_;
    }

    function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
        revert RevertingFeedRetired();
    }
}

/// @notice A feed that returns a well-formed round truncated to `returnLength` bytes (a full round is 160 bytes).
contract MalformedFeed {
    uint8 public immutable decimals;
    int256 public immutable answer;
    uint256 public immutable returnLength;

    constructor(uint8 decimals_, int256 answer_, uint256 returnLength_) {
        decimals = decimals_;
        answer = answer_;
        returnLength = returnLength_;
    }

    /// @dev Round 1, `answer`, started and updated now, answered in round 1; only the first `returnLength` bytes.
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        bytes memory round = abi.encode(uint80(1), answer, block.timestamp, block.timestamp, uint80(1));
        uint256 length = returnLength;
        assembly ("memory-safe") {
            return(add(round, 0x20), length)
        }
    }
}

/// @notice A feed whose `latestRoundData()` consumes all the gas it is given (the INVALID opcode).
contract GasBurningFeed {
    uint8 public immutable decimals;

    constructor(uint8 decimals_) {
        decimals = decimals_;
    }

    function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
        assembly {
            invalid()
        }
    }
}

/// @notice A healthy feed that spends about `gasToBurn` gas before answering, so a caller that forwards too
/// little gas makes it run out of gas (the starvation the oracle must not mistake for a broken feed).
contract GasHungryFeed {
    uint8 public immutable decimals;
    int256 public immutable answer;
    uint256 public immutable gasToBurn;

    constructor(uint8 decimals_, int256 answer_, uint256 gasToBurn_) {
        decimals = decimals_;
        answer = answer_;
        gasToBurn = gasToBurn_;
    }

    /// @dev Round 1, `answer`, started and updated now, after looping until `gasToBurn` gas is spent; with less
    /// gas than that it loops until it runs out of gas.
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint256 available = gasleft();
        uint256 stopAt = available > gasToBurn ? available - gasToBurn : 0;
        while (gasleft() > stopAt) {}
        return (1, answer, block.timestamp, block.timestamp, 1);
    }
}

/// @notice A feed that answers a stored round until switched to fail like one of the feeds above. The oracle's
/// constructor reads the sequencer uptime feed, so an uptime feed that fails must be deployed healthy and broken
/// afterwards.
contract SwitchableFeed {
    enum Mode {
        Healthy,
        Reverting,
        Truncated,
        GasBurning
    }

    error SwitchableFeedRetired();

    uint8 public immutable decimals;
    int256 public answer;
    uint256 public startedAt;
    uint256 public updatedAt;
    Mode public mode;

    constructor(uint8 decimals_, int256 answer_, uint256 startedAt_, uint256 updatedAt_) {
        decimals = decimals_;
        setRound(answer_, startedAt_, updatedAt_);
    }

    function setRound(int256 answer_, uint256 startedAt_, uint256 updatedAt_) public {
        answer = answer_;
        startedAt = startedAt_;
        updatedAt = updatedAt_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @dev Healthy: round 1 with the stored values. Reverting: like `RevertingFeed`. Truncated: the same round cut
    /// to 159 of its 160 bytes, like `MalformedFeed`. GasBurning: like `GasBurningFeed`.
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        Mode current = mode;
        if (current == Mode.Reverting) revert SwitchableFeedRetired();
        if (current == Mode.GasBurning) {
            assembly {
                invalid()
            }
        }
        bytes memory round = abi.encode(uint80(1), answer, startedAt, updatedAt, uint80(1));
        uint256 length = current == Mode.Truncated ? 159 : 160;
        assembly ("memory-safe") {
            return(add(round, 0x20), length)
        }
    }
}
