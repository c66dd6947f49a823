/** Mirrors of the Solidity enums and structs in contracts/interfaces/ILendingMarket.sol and IPriceOracle.sol. */

export enum Zone {
  None = 0,
  Healthy = 1,
  Soft = 2,
  Hard = 3,
}

export enum StepStatus {
  Ready = 0,
  NoDebt = 1,
  Healthy = 2,
  OracleUnavailable = 3,
  SequencerNotReady = 4,
  TooSoon = 5,
  Unconfirmed = 6,
  PaceCapReached = 7,
  LeavesDust = 8,
  RepayTooSmall = 9,
}

export enum OracleStatus {
  Ok = 0,
  SequencerGrace = 1,
  SequencerDown = 2,
}

/** MarketParams: bps, seconds and debt-token base units, as bigints. */
export interface MarketParams {
  maxLtvBps: bigint;
  softLtvBps: bigint;
  hardLtvBps: bigint;
  targetLtvBps: bigint;
  closeFactorMinBps: bigint;
  closeFactorMaxBps: bigint;
  incentiveMinBps: bigint;
  incentiveMaxBps: bigint;
  incentiveHardMinBps: bigint;
  reserveFactorBps: bigint;
  volLowBps: bigint;
  volHighBps: bigint;
  stepIntervalSeconds: bigint;
  paceWindowSeconds: bigint;
  confirmDelaySeconds: bigint;
  volTauSeconds: bigint;
  maxSoftSeizePerWindow: bigint;
  keeperTip: bigint;
  minDebt: bigint;
}

/** What a step depends on (LiquidationSchedule.Inputs). */
export interface StepInputs {
  collateral: bigint;
  debt: bigint;
  lastStepAt: bigint;
  spotPriceWad: bigint;
  emaPriceWad: bigint;
  varianceWad: bigint;
  oracleStatus: OracleStatus;
  paceRoom: bigint;
  reserves: bigint;
  maxRepay: bigint;
  timestamp: bigint;
}

/** StepPreview. */
export interface StepPlan {
  status: StepStatus;
  zone: Zone;
  repaid: bigint;
  seized: bigint;
  incentiveWad: bigint;
  tip: bigint;
  badDebt: bigint;
  ltvBeforeWad: bigint;
  ltvAfterWad: bigint;
}
