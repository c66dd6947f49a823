/**
 * Uniswap V2 itself, from the compiled artifacts that the npm package `@uniswap/v2-core` ships (build/*.json,
 * solc 0.5.16 as Uniswap deployed it; no second compiler here): the factory is deployed from
 * `UniswapV2Factory.json`, and `createPair` deploys the pair's creation code embedded in it, which is the
 * `UniswapV2Pair.json` artifact. The simulator's pools and the flash keeper's tests trade on such pairs.
 */
import { Contract, ContractFactory, type AddressLike, type Signer } from "ethers";
import factoryArtifact from "@uniswap/v2-core/build/UniswapV2Factory.json";
import pairArtifact from "@uniswap/v2-core/build/UniswapV2Pair.json";
import { IUniswapV2PairLike__factory } from "../../typechain-types/factories/contracts/interfaces/IUniswapV2PairLike__factory";
import type { IUniswapV2PairLike } from "../../typechain-types";

/** The pair's runtime code as the package ships it (0x-prefixed): what `createPair` leaves at a pair's address. */
export const UNISWAP_V2_PAIR_RUNTIME_CODE = `0x${pairArtifact.evm.deployedBytecode.object}`;

/** A Uniswap V2 pair: the swap interface our contracts use, plus the pair's own liquidity and sync calls. */
export interface UniswapV2Pair {
  address: string;
  /** token0, token1, getReserves and swap (typed, `IUniswapV2PairLike`). */
  pair: IUniswapV2PairLike;
  /** The full pair ABI (mint, sync, skim, ...), from the artifact. */
  contract: Contract;
  token0: string;
  token1: string;
}

/** Deploys a UniswapV2Factory (its fee switch off: `feeToSetter` is the deployer, `feeTo` unset). */
export async function deployUniswapV2Factory(deployer: Signer): Promise<Contract> {
  const factory = new ContractFactory(
    factoryArtifact.abi,
    `0x${factoryArtifact.evm.bytecode.object}`,
    deployer,
  );
  const deployed = await factory.deploy(await deployer.getAddress());
  await deployed.waitForDeployment();
  return deployed as Contract;
}

/**
 * Creates the pair of `tokenA` and `tokenB` through `factory` (a new factory when none is given). Liquidity is
 * added as on mainnet: send both tokens to the pair, then `mint` (first mint locks 1,000 units of LP shares) or
 * `sync` (reserves := balances).
 */
export async function deployUniswapV2Pair(
  deployer: Signer,
  tokenA: AddressLike,
  tokenB: AddressLike,
  factory?: Contract,
): Promise<UniswapV2Pair> {
  const f = factory ?? (await deployUniswapV2Factory(deployer));
  await (await f.getFunction("createPair")(tokenA, tokenB)).wait();
  const address = (await f.getFunction("getPair")(tokenA, tokenB)) as string;
  const pair = IUniswapV2PairLike__factory.connect(address, deployer);
  return {
    address,
    pair,
    contract: new Contract(address, pairArtifact.abi, deployer),
    token0: await pair.token0(),
    token1: await pair.token1(),
  };
}
