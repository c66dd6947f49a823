/** BigInt fixed-point helpers with the same rounding as contracts/libraries/WadMath.sol. WAD = 1e18, BPS = 1e4. */
export const WAD = 10n ** 18n;
export const BPS = 10_000n;
export const MAX_UINT256 = 2n ** 256n - 1n;

export const mulDivDown = (x: bigint, y: bigint, d: bigint): bigint => (x * y) / d;
export const mulDivUp = (x: bigint, y: bigint, d: bigint): bigint => (x * y + d - 1n) / d;
export const wadMulDown = (x: bigint, y: bigint): bigint => mulDivDown(x, y, WAD);
export const wadMulUp = (x: bigint, y: bigint): bigint => mulDivUp(x, y, WAD);
export const wadDivDown = (x: bigint, y: bigint): bigint => mulDivDown(x, WAD, y);
export const wadDivUp = (x: bigint, y: bigint): bigint => mulDivUp(x, WAD, y);
/** A bps figure as WAD (exact). */
export const bpsToWad = (bps: bigint | number): bigint => BigInt(bps) * 10n ** 14n;
export const zeroFloorSub = (a: bigint, b: bigint): bigint => (a > b ? a - b : 0n);
export const min = (...xs: bigint[]): bigint => xs.reduce((a, b) => (a < b ? a : b));
export const max = (...xs: bigint[]): bigint => xs.reduce((a, b) => (a > b ? a : b));
