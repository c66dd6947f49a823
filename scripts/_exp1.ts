process.env.HARDHAT_NETWORK ||= "hardhat";
import hre from "hardhat";
import { deployMarket } from "../test/helpers/fixtures";

async function main() {
  const p = hre.network.provider;
  let t0 = Date.now();
  const f = await deployMarket();
  console.log("deploy ms", Date.now() - t0);
  const blk = async () => (await p.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string; number: string };
  // eth_call timestamp: use a contract? use market.accounting view... we need block.timestamp; use Multicall? use lens? simpler: deploy tiny contract via bytecode returning TIMESTAMP
  // bytecode: TIMESTAMP PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN => 42 60 00 52 60 20 60 00 f3 ; init code copies runtime
  const runtime = "4260005260206000f3";
  const init = "69" + runtime + "600052600a6016f3";
  const [d] = await hre.ethers.getSigners();
  const tx = await d.sendTransaction({ data: "0x" + init });
  const rc = await tx.wait();
  const addr = rc!.contractAddress!;
  const b = await blk();
  const c = await p.request({ method: "eth_call", params: [{ to: addr, data: "0x" }, "latest"] });
  console.log("latest block ts", parseInt(b.timestamp, 16), "eth_call ts", parseInt(c as string, 16), "now", Math.floor(Date.now() / 1000));
  const c2 = await p.request({ method: "eth_call", params: [{ to: addr, data: "0x" }, "pending"] });
  console.log("pending eth_call ts", parseInt(c2 as string, 16));
  await p.request({ method: "evm_setNextBlockTimestamp", params: [parseInt(b.timestamp, 16) + 1000] });
  const c3 = await p.request({ method: "eth_call", params: [{ to: addr, data: "0x" }, "latest"] });
  console.log("after setNext eth_call ts", parseInt(c3 as string, 16));
  await p.request({ method: "evm_mine", params: [] });
  console.log("mined ts", parseInt((await blk()).timestamp, 16));
  // failed tx: borrow without collateral
  const data = f.market.interface.encodeFunctionData("borrow", [1000n, f.alice.address]);
  const nb = parseInt((await blk()).number, 16);
  try {
    await p.request({ method: "eth_sendTransaction", params: [{ from: f.alice.address, to: await f.market.getAddress(), data, gas: "0x2dc6c0" }] });
  } catch (e) {
    const err = e as { data?: unknown; message: string };
    console.log("err keys", Object.keys(e as object), "data", err.data, err.message.slice(0, 200));
  }
  console.log("block advanced after failed tx:", parseInt((await blk()).number, 16) - nb);
  // timing
  const sid = await p.request({ method: "evm_snapshot", params: [] });
  const usdc = await f.usdc.getAddress();
  const mkt = await f.market.getAddress();
  const dep = f.market.interface.encodeFunctionData("deposit", [10n ** 6n, f.lender.address]);
  t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    await p.request({ method: "eth_sendTransaction", params: [{ from: f.lender.address, to: mkt, data: dep, gas: "0x2dc6c0" }] });
  }
  console.log("raw tx ms", (performance.now() - t0) / 200);
  t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    const h = await p.request({ method: "eth_sendTransaction", params: [{ from: f.lender.address, to: mkt, data: dep, gas: "0x2dc6c0" }] });
    await p.request({ method: "eth_getTransactionReceipt", params: [h] });
  }
  console.log("raw tx+receipt ms", (performance.now() - t0) / 200);
  t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    await p.request({ method: "evm_setNextBlockTimestamp", params: [parseInt((await blk()).timestamp, 16) + 5] });
  }
  console.log("setNext+blk ms", (performance.now() - t0) / 200);
  t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    await f.market.connect(f.lender).deposit(10n ** 6n, f.lender.address);
  }
  console.log("ethers tx ms", (performance.now() - t0) / 200);
  const acc = f.market.interface.encodeFunctionData("positionState", [f.alice.address]);
  t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    await p.request({ method: "eth_call", params: [{ to: mkt, data: acc }, "latest"] });
  }
  console.log("raw call ms", (performance.now() - t0) / 200);
  t0 = performance.now();
  for (let i = 0; i < 50; i++) {
    await p.request({ method: "evm_revert", params: [sid] });
    await p.request({ method: "evm_snapshot", params: [] });
  }
  console.log("revert+snapshot ms", (performance.now() - t0) / 50);
  // block ts after revert
  const b1 = await blk();
  await new Promise((r) => setTimeout(r, 2100));
  await p.request({ method: "evm_mine", params: [] });
  const b2 = await blk();
  console.log("ts delta after 2.1s sleep", parseInt(b2.timestamp, 16) - parseInt(b1.timestamp, 16));
  void usdc;
}
main().catch((e) => { console.error(e); process.exit(1); });
