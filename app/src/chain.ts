/**
 * Networks, providers and wallets.
 *
 * The networks are the deployments the package ships (`deployments`, live chains, read through the injected
 * wallet) plus what `app-config.json` beside the page offers: a network's JSON-RPC URL and its deployment record
 * (the local node's, written by the deploy scripts, under `npm run app`). On the local chain (id 31337) only, a development-key mode signs with Hardhat's
 * publicly known account #0 key, so the page can be tried without a wallet extension.
 */
import {
  BrowserProvider,
  JsonRpcProvider,
  Wallet,
  type Eip1193Provider,
  type Provider,
  type Signer,
} from "ethers";
import { deployments, parseDeploymentRecord, type DeploymentRecord } from "../../src/frontend";

export interface AppNetwork {
  /** Hardhat network name of the deployment (localhost, sepolia, …). */
  name: string;
  chainId: number;
  /** JSON-RPC endpoint the page reads from; null: read through the injected wallet. */
  rpcUrl: string | null;
  deployment: DeploymentRecord;
}

/** The chain id of `hardhat node`: the only chain where the development key may be used. */
export const LOCAL_CHAIN_ID = 31337;

/**
 * Hardhat's account #0 (`test test … junk`, m/44'/60'/0'/0/0). Its private key is published in Hardhat's
 * documentation: anything it holds on a public chain is taken within seconds. Development only.
 */
export const DEV_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

/** The local network from the server's config (if any) followed by the package's live deployments. */
export async function loadNetworks(): Promise<AppNetwork[]> {
  const networks: AppNetwork[] = [];
  // Beside the page, so that a static build served under any path finds its own file.
  const configUrl = new URL("app-config.json", window.location.href).toString();
  const response = await fetch(configUrl).catch(() => undefined);
  if (response?.ok) {
    const config = (await response.json()) as { networks?: { rpcUrl: string; deployment: unknown }[] };
    for (const n of config.networks ?? []) {
      const deployment = parseDeploymentRecord(n.deployment, "app-config.json");
      // A relative URL (the page server's JSON-RPC proxy) is resolved against the page.
      const rpcUrl = new URL(n.rpcUrl, window.location.href).toString();
      networks.push({ name: deployment.network, chainId: deployment.chainId, rpcUrl, deployment });
    }
  }
  for (const deployment of Object.values(deployments)) {
    networks.push({ name: deployment.network, chainId: deployment.chainId, rpcUrl: null, deployment });
  }
  return networks;
}

/** A provider for reads: the network's RPC endpoint, or the injected wallet when it is on that chain. */
export async function readProvider(network: AppNetwork): Promise<Provider> {
  if (network.rpcUrl !== null) {
    // No response cache: ethers otherwise answers a repeated request (a nonce) from a 250 ms cache.
    return new JsonRpcProvider(network.rpcUrl, network.chainId, { staticNetwork: true, cacheTimeout: -1 });
  }
  if (window.ethereum === undefined) throw new Error(`${network.name}: connect a wallet to read this chain`);
  const provider = new BrowserProvider(window.ethereum);
  const { chainId } = await provider.getNetwork();
  if (Number(chainId) !== network.chainId) {
    throw new Error(`the wallet is on chain ${chainId}; switch it to ${network.name} (${network.chainId})`);
  }
  return provider;
}

export interface Connected {
  signer: Signer;
  address: string;
  /** "injected" (EIP-1193 wallet) or "dev-key" (Hardhat account #0, local chain only). */
  kind: "injected" | "dev-key";
}

/** Connects the injected EIP-1193 wallet (`window.ethereum`) and checks it is on the network's chain. */
export async function connectInjected(network: AppNetwork): Promise<Connected> {
  if (window.ethereum === undefined) throw new Error("no injected wallet (window.ethereum) in this browser");
  const provider = new BrowserProvider(window.ethereum);
  await provider.send("eth_requestAccounts", []);
  const { chainId } = await provider.getNetwork();
  if (Number(chainId) !== network.chainId) {
    throw new Error(`the wallet is on chain ${chainId}; switch it to ${network.name} (${network.chainId})`);
  }
  const signer = await provider.getSigner();
  return { signer, address: await signer.getAddress(), kind: "injected" };
}

/** Development-key mode: Hardhat's account #0 on the local chain. Refused on any other chain. */
export async function connectDevKey(network: AppNetwork, provider: Provider): Promise<Connected> {
  const { chainId } = await provider.getNetwork();
  if (network.chainId !== LOCAL_CHAIN_ID || Number(chainId) !== LOCAL_CHAIN_ID) {
    throw new Error(`the development key is for the local chain (${LOCAL_CHAIN_ID}) only`);
  }
  const signer = new Wallet(DEV_PRIVATE_KEY, provider);
  return { signer, address: signer.address, kind: "dev-key" };
}
