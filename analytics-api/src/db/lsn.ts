/**
 * WAL positions (pg_lsn, written 'X/Y': two hexadecimal halves of a 64-bit byte offset). Kept as
 * fixed-width hex text (16 digits), which compares correctly as a string, in Lua as in JS.
 */
const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

export function lsnKey(lsn: string): string {
  const match = LSN.exec(lsn);
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(lsn)}`);
  return match[1]!.toUpperCase().padStart(8, '0') + match[2]!.toUpperCase().padStart(8, '0');
}

/** Bytes from `from` to `to` (0 when `to` is not after `from`). */
export function lsnDistance(from: string, to: string): number {
  const gap = BigInt(`0x${lsnKey(to)}`) - BigInt(`0x${lsnKey(from)}`);
  return gap > 0n ? Number(gap) : 0;
}

/** The later of two positions in lsnKey form (undefined counts as the earliest). */
export function laterKey(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
