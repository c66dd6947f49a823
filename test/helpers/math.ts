/** BigInt fixed-point helpers with the same rounding as contracts/libraries/WadMath.sol. */
export const WAD = 10n ** 18n;
export const BPS = 10_000n;

export const mulDivDown = (x: bigint, y: bigint, d: bigint): bigint => (x * y) / d;
export const mulDivUp = (x: bigint, y: bigint, d: bigint): bigint => (x * y + d - 1n) / d;
export const wadMulDown = (x: bigint, y: bigint): bigint => mulDivDown(x, y, WAD);
export const wadMulUp = (x: bigint, y: bigint): bigint => mulDivUp(x, y, WAD);
export const wadDivDown = (x: bigint, y: bigint): bigint => mulDivDown(x, WAD, y);
export const wadDivUp = (x: bigint, y: bigint): bigint => mulDivUp(x, WAD, y);
export const bpsToWad = (bps: bigint | number): bigint => BigInt(bps) * 10n ** 14n;
export const min = (...xs: bigint[]): bigint => xs.reduce((a, b) => (a < b ? a : b));
export const max = (...xs: bigint[]): bigint => xs.reduce((a, b) => (a > b ? a : b));
