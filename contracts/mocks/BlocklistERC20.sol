// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @notice Test token with a blocklist, like the stablecoins that can freeze an address: any transfer from or to
/// a blocked address reverts. Same storage layout as `MockERC20` plus one mapping, so tests can also put its code
/// at an existing `MockERC20`'s address (`hardhat_setCode`) and keep the balances.
contract BlocklistERC20 is MockERC20 {
    mapping(address account => bool) public blocked;

    event BlockedSet(address indexed account, bool blocked);

    error BlocklistERC20Blocked(address account);

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_
    ) MockERC20(name_, symbol_, decimals_) {}

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
        emit BlockedSet(account, isBlocked);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert BlocklistERC20Blocked(from);
        if (blocked[to]) revert BlocklistERC20Blocked(to);
        super._update(from, to, value);
    }
}
