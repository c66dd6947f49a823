// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What a market may do with a price, given the L2 sequencer's state.
/// @dev `Ok`: everything. `SequencerGrace`: the sequencer came back up less than the grace period ago, so
/// borrowers have not had time to react: no borrowing, no collateral withdrawal, no soft steps, but hard-zone
/// liquidation goes on. `SequencerDown`: same restrictions as grace; the price is the last one the feeds
/// published, still within its heartbeat.
enum OracleStatus {
    Ok,
    SequencerGrace,
    SequencerDown
}

/// @title IPriceOracle
/// @notice The only price source a market knows. A price is the value of one base unit of the collateral token
/// in base units of the debt token, scaled by 1e18 (WAD): `debtUnits = collateralUnits * priceWad / 1e18`.
/// Token decimals are already accounted for, so the market never scales decimals itself.
/// @dev Precision: a price below ~1e9 carries fewer than 9 significant digits. That happens only when one
/// base unit of collateral is worth less than 1e-9 base units of debt (for example an 18-decimal token worth
/// under $0.001 against a 6-decimal stablecoin); such pairs are not supported.
interface IPriceOracle {
    /// @notice The price when everything is healthy; reverts when a feed is broken or stale, when the sequencer
    /// is down, or while it is inside its grace period.
    /// @return priceWad Debt base units per collateral base unit, WAD-scaled, rounded down.
    function price() external view returns (uint256 priceWad);

    /// @notice The price together with the sequencer status. Reverts only when a feed is broken or stale, so the
    /// caller must decide, by `status`, which actions the price may serve.
    /// @return priceWad Debt base units per collateral base unit, WAD-scaled, rounded down.
    /// @return status Whether the price may serve every action (`Ok`) or hard-zone liquidation only.
    function priceWithStatus() external view returns (uint256 priceWad, OracleStatus status);

    /// @notice Never reverts (given 1/64 of the call's gas left over): tells frontends and keepers whether a
    /// price can be had now. For views only: a caller can make it report `false` by starving it of gas, so no
    /// state-changing decision may rest on `usable == false`.
    /// @return usable False whenever `priceWithStatus` would revert: a feed broken, stale or out of bounds, a
    /// zero price, an unreadable sequencer feed, or too little gas (then `priceWad` is 0).
    /// @return priceWad As in `priceWithStatus`, or 0 when unusable.
    /// @return status As in `priceWithStatus`; meaningful only when `usable`.
    function tryPrice() external view returns (bool usable, uint256 priceWad, OracleStatus status);
}
