// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {MarketParams} from "../interfaces/ILendingMarket.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRateModel} from "../interfaces/IRateModel.sol";

/// @title MarketFactory
/// @notice Deploys lending markets and lists them, so frontends and keepers can discover every market on a chain.
/// @dev The market's creation code is larger than the 24 KiB a contract may hold, so the factory cannot embed it.
/// Instead the owner passes it as calldata and the factory checks it against the hash fixed at deployment: only
/// the audited market can be deployed, with the constructor arguments the factory encodes itself.
contract MarketFactory is Ownable2Step {
    /// @notice Everything a new market is configured with.
    struct MarketConfig {
        IERC20 collateralToken;
        IERC20 debtToken;
        IPriceOracle oracle;
        IRateModel rateModel;
        MarketParams params;
        address admin;
        address guardian;
        string name;
        string symbol;
    }

    event MarketCreated(
        address indexed market,
        address indexed collateralToken,
        address indexed debtToken,
        address oracle,
        uint256 index
    );

    /// @notice The creation code passed is not the market's.
    error FactoryWrongCreationCode(bytes32 codeHash, bytes32 expected);
    /// @notice CREATE failed (the market's constructor reverted; its own error is bubbled when available).
    error FactoryDeployFailed();

    /// @notice keccak256 of `LendingMarket`'s creation code (without constructor arguments).
    bytes32 public immutable marketCodeHash;

    address[] internal _markets;
    /// @notice Whether `market` was deployed by this factory.
    mapping(address market => bool) public isMarket;

    constructor(address owner_, bytes32 marketCodeHash_) Ownable(owner_) {
        marketCodeHash = marketCodeHash_;
    }

    /// @notice Deploys and lists a market (owner only).
    /// @param creationCode `LendingMarket`'s creation bytecode; must hash to `marketCodeHash`.
    function createMarket(
        bytes calldata creationCode,
        MarketConfig calldata config
    ) external onlyOwner returns (address market) {
        bytes32 codeHash = keccak256(creationCode);
        if (codeHash != marketCodeHash) revert FactoryWrongCreationCode(codeHash, marketCodeHash);
        bytes memory initCode = bytes.concat(
            creationCode,
            abi.encode(
                config.collateralToken,
                config.debtToken,
                config.oracle,
                config.rateModel,
                config.params,
                config.admin,
                config.guardian,
                config.name,
                config.symbol
            )
        );
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            market := create(0, add(initCode, 0x20), mload(initCode))
        }
        if (market == address(0)) {
            // Bubble the market constructor's own error (e.g. MarketInvalidParams).
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                let size := returndatasize()
                if size {
                    let ptr := mload(0x40)
                    returndatacopy(ptr, 0, size)
                    revert(ptr, size)
                }
            }
            revert FactoryDeployFailed();
        }
        isMarket[market] = true;
        _markets.push(market);
        emit MarketCreated(
            market,
            address(config.collateralToken),
            address(config.debtToken),
            address(config.oracle),
            _markets.length - 1
        );
    }

    /// @notice Number of markets deployed.
    function marketsLength() external view returns (uint256) {
        return _markets.length;
    }

    /// @notice Market at `index` (creation order).
    function marketAt(uint256 index) external view returns (address) {
        return _markets[index];
    }

    /// @notice Every market, in creation order.
    function allMarkets() external view returns (address[] memory) {
        return _markets;
    }
}
