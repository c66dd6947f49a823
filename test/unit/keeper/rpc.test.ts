import { expect } from "chai";
import { decodePositionStates, encodePositionStates, toSnapshot } from "../../../src/keeper/rpc";
import { MarketLens__factory } from "../../../typechain-types";
import type { PositionStateStructOutput } from "../../../typechain-types/contracts/periphery/MarketLens.sol/MarketLens";

const iface = MarketLens__factory.createInterface();
const market = "0x" + "ab".repeat(20);

/** A PositionState with every field distinct (and some above 2^128), as the ABI encoder takes it. */
function state(k: number) {
  const big = (i: number) => BigInt(k) * 1_000n + BigInt(i) + (i % 3 === 0 ? 2n ** 200n : 0n);
  return {
    collateral: big(1),
    debt: big(2),
    ltvWad: big(3),
    zone: k % 4,
    softLiquidationPriceWad: big(4),
    hardLiquidationPriceWad: big(5),
    nextSoftStepAt: big(6),
    step: {
      status: k % 10,
      zone: (k + 1) % 4,
      repaid: big(7),
      seized: big(8),
      incentiveWad: big(9),
      tip: big(10),
      badDebt: big(11),
      ltvBeforeWad: big(12),
      ltvAfterWad: big(13),
    },
  };
}

const account = (k: number) => "0x" + (k + 1).toString(16).padStart(40, "0");

describe("keeper rpc decoding", () => {
  it("decodes positionStates' return data exactly as the generic ABI decoder does", () => {
    for (const n of [0, 1, 7]) {
      const states = Array.from({ length: n }, (_, k) => state(k));
      const accounts = states.map((_, k) => account(k));
      const data = iface.encodeFunctionResult("positionStates", [states]);
      const [generic] = iface.decodeFunctionResult("positionStates", data) as unknown as [
        PositionStateStructOutput[],
      ];
      expect(decodePositionStates(data, accounts)).to.deep.equal(
        generic.map((s, i) => toSnapshot(accounts[i], s)),
      );
    }
  });

  it("maps every field to its name (zone and status as numbers)", () => {
    const data = iface.encodeFunctionResult("positionStates", [[state(3)]]);
    const [s] = decodePositionStates(data, [account(3)]);
    expect(s.account).to.equal(account(3));
    expect(s.collateral).to.equal(3_001n);
    expect(s.zone).to.equal(3);
    expect(s.nextSoftStepAt).to.equal(2n ** 200n + 3_006n);
    expect(s.step.status).to.equal(3);
    expect(s.step.zone).to.equal(0);
    expect(s.step.ltvAfterWad).to.equal(3_013n);
  });

  it("encodes MarketLens.positionStates calldata exactly as the generic ABI encoder does", () => {
    for (const n of [0, 1, 5]) {
      const accounts = Array.from({ length: n }, (_, k) => account(k * 7919));
      expect(encodePositionStates(market, accounts)).to.equal(
        iface.encodeFunctionData("positionStates", [market, accounts]),
      );
    }
    const mixed = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(encodePositionStates(mixed, [mixed])).to.equal(
      iface.encodeFunctionData("positionStates", [mixed, [mixed]]),
    );
    expect(() => encodePositionStates(market, ["0x1234"])).to.throw("not an address: 0x1234");
    expect(() => encodePositionStates("0x1234", [market])).to.throw("not an address: 0x1234");
  });

  it("refuses a result whose length does not match the accounts asked for", () => {
    const data = iface.encodeFunctionResult("positionStates", [[state(0), state(1)]]);
    expect(() => decodePositionStates(data, [account(0)])).to.throw(
      "positionStates returned 2 states for 1 accounts",
    );
  });
});
