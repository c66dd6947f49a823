/**
 * What happens next to a position at the current oracle price, in plain words, from the figures the position
 * panel already read at one block (describePosition = positionState): healthy and how far the price may fall;
 * in the soft zone, whether a keeper may step now or when the next step may come; in the hard zone, closed in full.
 */
import { priceFallToWad, StepStatus, Zone } from "../../src/frontend";
import {
  formatAmount,
  formatDuration,
  formatPrice,
  formatTime,
  formatWadPercent,
  STEP_STATUS_TEXT,
} from "./format";
import type { PositionData } from "./position";

export function outlook(p: PositionData): string[] {
  const v = p.view;
  const m = p.market;
  const price = (x: bigint) => formatPrice(x, p.collateral.decimals, p.debt.decimals, p.debt.symbol);
  const c = (x: bigint) => formatAmount(x, p.collateral.decimals, p.collateral.symbol);
  const d = (x: bigint) => formatAmount(x, p.debt.decimals, p.debt.symbol);
  if (!m.oracleUsable) {
    return [
      `The oracle gives no usable price (${p.oracleProblem ?? "no price"}): no liquidation step, borrow or ` +
        "collateral withdrawal can run until it does; repaying and adding collateral still work.",
    ];
  }
  if (v.debt === 0n) return ["No debt: nothing can be liquidated."];
  const closedBelow = `Below ${price(v.hardLiquidationPriceWad)} (the hard zone) it will be closed in full.`;
  const step = v.step;
  const stepNow = `a keeper may take a step now: repay ${d(step.repaid)} for ${c(step.seized)}, LTV ${formatWadPercent(step.ltvBeforeWad)} → ${formatWadPercent(step.ltvAfterWad)}.`;
  if (v.zone === Zone.Healthy) {
    const fall = formatWadPercent(priceFallToWad(m.spotPriceWad, v.softLiquidationPriceWad));
    return [
      `Healthy at ${price(m.spotPriceWad)}: LTV ${formatWadPercent(v.ltvWad)}, nothing happens.`,
      `If the price falls ${fall}, to ${price(v.softLiquidationPriceWad)}, the position enters the soft zone, where ` +
        "keepers unwind it in small steps once the smoothed price confirms the fall.",
      closedBelow,
    ];
  }
  if (v.zone === Zone.Hard) {
    return [
      `In the hard zone at ${price(m.spotPriceWad)} (LTV ${formatWadPercent(v.ltvWad)}): it is closed in full, at once.`,
      step.status === StepStatus.Ready
        ? `Now ${stepNow}`
        : `No step right now: ${STEP_STATUS_TEXT[step.status]}.`,
    ];
  }
  const lines = [`In the soft zone at ${price(m.spotPriceWad)} (LTV ${formatWadPercent(v.ltvWad)}).`];
  if (step.status === StepStatus.Ready) lines.push(`Next soft step: ${stepNow}`);
  else if (step.status === StepStatus.TooSoon && v.nextSoftStepAt > m.timestamp) {
    lines.push(
      `Next soft step at ${formatTime(v.nextSoftStepAt)} (in ${formatDuration(v.nextSoftStepAt - m.timestamp)}), ` +
        "if the price stays where it is.",
    );
  } else if (step.status === StepStatus.Unconfirmed) {
    lines.push(
      `No step yet: the smoothed price (${price(m.emaPriceWad)}) does not confirm the fall; a brief wick ` +
        "liquidates nothing, a lasting fall is confirmed within minutes.",
    );
  } else lines.push(`No step right now: ${STEP_STATUS_TEXT[step.status]}.`);
  lines.push(closedBelow);
  return lines;
}
