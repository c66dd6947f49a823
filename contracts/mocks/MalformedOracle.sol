// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceOracle, OracleStatus} from "../interfaces/IPriceOracle.sol";

/// @notice Test oracle whose `priceWithStatus()` answers a price with a status outside OracleStatus (`shortReturn`
/// false) or a single word (`shortReturn` true), to show the market refuses either.
contract MalformedOracle is IPriceOracle {
    uint256 public immutable priceWad;
    bool public immutable shortReturn;

    constructor(uint256 priceWad_, bool shortReturn_) {
        (priceWad, shortReturn) = (priceWad_, shortReturn_);
    }

    function price() external view returns (uint256) {
        return priceWad;
    }

    function priceWithStatus() external view returns (uint256, OracleStatus) {
        uint256 p = priceWad;
        bool short = shortReturn;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(0x00, p)
            mstore(0x20, 7)
            return(0x00, add(0x20, mul(iszero(short), 0x20)))
        }
    }

    function tryPrice() external view returns (bool, uint256, OracleStatus) {
        return (true, priceWad, OracleStatus.Ok);
    }
}
