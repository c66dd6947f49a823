process.env.HARDHAT_NETWORK ||= "hardhat";
import hre from "hardhat";
import { deployMarket } from "../test/helpers/fixtures";

async function bench(label: string, n: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  console.log(label, ((performance.now() - t0) / n).toFixed(3), "ms");
}
async function main() {
  const p = hre.network.provider;
  const f = await deployMarket();
  const mkt = await f.market.getAddress();
  const dep = f.market.interface.encodeFunctionData("deposit", [10n ** 6n, f.lender.address]);
  const lender = f.lender.address;
  await bench("evm_mine empty", 300, () => p.request({ method: "evm_mine", params: [] }));
  await bench("eth transfer", 300, () => p.request({ method: "eth_sendTransaction", params: [{ from: lender, to: f.alice.address, value: "0x1", gas: "0x5208" }] }));
  await bench("deposit", 300, () => p.request({ method: "eth_sendTransaction", params: [{ from: lender, to: mkt, data: dep, gas: "0x2dc6c0" }] }));
  await bench("eth_call deposit", 300, () => p.request({ method: "eth_call", params: [{ from: lender, to: mkt, data: dep, gas: "0x2dc6c0" }, "latest"] }));
  const ta = f.market.interface.encodeFunctionData("totalAssets");
  await bench("eth_call totalAssets", 300, () => p.request({ method: "eth_call", params: [{ to: mkt, data: ta }, "latest"] }));
  await bench("eth_blockNumber", 300, () => p.request({ method: "eth_blockNumber", params: [] }));
  await p.request({ method: "evm_setAutomine", params: [false] });
  await bench("deposit no-automine + mine", 300, async () => { await p.request({ method: "eth_sendTransaction", params: [{ from: lender, to: mkt, data: dep, gas: "0x2dc6c0" }] }); await p.request({ method: "evm_mine", params: [] }); });
  await bench("5 deposit + 1 mine", 100, async () => { for (let i = 0; i < 5; i++) await p.request({ method: "eth_sendTransaction", params: [{ from: lender, to: mkt, data: dep, gas: "0x2dc6c0" }] }); await p.request({ method: "evm_mine", params: [] }); });
}
main().catch((e) => { console.error(e); process.exit(1); });
