// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice Fixed-point helpers whose names say how they round. WAD = 1e18, BPS = 1e4.
library WadMath {
    uint256 internal constant WAD = 1e18;
    /// @dev 1 bps in WAD: a bps figure times this is the same figure in WAD.
    uint256 internal constant BPS_TO_WAD = 1e14;

    /// @dev x * y / d, rounded down; 512-bit intermediate, so no overflow unless the result overflows.
    /// Products that fit in 256 bits (nearly all) take a short, branch-free path; the rest go through
    /// `Math.mulDiv`. Division by zero reverts (panic 0x12) on both paths.
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        (uint256 product, bool fits) = _mul(x, y);
        unchecked {
            if (fits) return product / d;
        }
        return Math.mulDiv(x, y, d);
    }

    /// @dev x * y / d, rounded up.
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        (uint256 product, bool fits) = _mul(x, y);
        if (!fits) return Math.mulDiv(x, y, d, Math.Rounding.Ceil);
        unchecked {
            z = product / d; // panics (0x12) when d == 0, before the remainder below is taken
        }
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // + 1 when there is a remainder: z <= product / 1 < 2^256 - 1 unless d == 1, when there is none.
            z := add(z, gt(mod(product, d), 0))
        }
    }

    /// @dev x * y mod 2^256, and whether that is the whole product (x == 0, or the product divided by x gives y).
    function _mul(uint256 x, uint256 y) private pure returns (uint256 product, bool fits) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            product := mul(x, y)
            fits := or(iszero(x), eq(div(product, x), y))
        }
    }

    /// @dev x * y / WAD, rounded down.
    function wadMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, y, WAD);
    }

    /// @dev x * y / WAD, rounded up.
    function wadMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, y, WAD);
    }

    /// @dev x * WAD / y, rounded down.
    function wadDivDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, WAD, y);
    }

    /// @dev x * WAD / y, rounded up.
    function wadDivUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, WAD, y);
    }

    /// @dev A bps figure as WAD (exact). Every bps parameter is a uint16, so the product is at most
    /// 65,535 x 1e14 < 2^63 and cannot overflow: unchecked.
    function bpsToWad(uint16 bps) internal pure returns (uint256) {
        unchecked {
            return uint256(bps) * BPS_TO_WAD;
        }
    }

    /// @dev The smaller of a and b (branch-free: b, or a when a < b).
    function min(uint256 a, uint256 b) internal pure returns (uint256 z) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            z := xor(b, mul(xor(a, b), lt(a, b)))
        }
    }

    /// @dev a - b, or 0 when b > a (branch-free: the difference times whether a > b; when it is, a - b cannot
    /// wrap).
    function zeroFloorSub(uint256 a, uint256 b) internal pure returns (uint256 z) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            z := mul(sub(a, b), gt(a, b))
        }
    }
}
