/** How each kind of KPI value is shown. Locale-aware; nulls are shown as an em dash. */

export type ValueKind = 'count' | 'pct' | 'hours' | 'minutes' | 'number';

const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export const EMPTY = '—';

function minutesText(minutes: number): string {
  const total = Math.round(minutes);
  if (total < 60) return `${count.format(total)} min`;
  if (total < 1440) {
    const h = Math.floor(total / 60);
    const m = total % 60;
    return m === 0 ? `${count.format(h)} h` : `${count.format(h)} h ${m} min`;
  }
  const d = Math.floor(total / 1440);
  const h = Math.round((total % 1440) / 60);
  return h === 0 ? `${count.format(d)} d` : `${count.format(d)} d ${h} h`;
}

export function formatValue(value: number | null | undefined, kind: ValueKind): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  switch (kind) {
    case 'count':
      return count.format(value);
    case 'pct':
      return percent.format(value / 100);
    case 'hours':
      return `${oneDecimal.format(value)} h`;
    case 'minutes':
      return minutesText(value);
    default:
      return oneDecimal.format(value);
  }
}

export interface Delta {
  /** Visible text, e.g. '+3', '−2.5 pp', 'no change'. */
  text: string;
  /** For assistive technology, e.g. 'up 3'. */
  spoken: string;
  direction: 'up' | 'down' | 'flat' | 'none';
}

/** Change from `previous` to `current`; percentages change in percentage points. */
export function formatDelta(current: number | null | undefined, previous: number | null | undefined, kind: ValueKind): Delta {
  if (current === null || current === undefined || previous === null || previous === undefined) {
    return { text: 'no comparison', spoken: 'no comparison', direction: 'none' };
  }
  const diff = roundAway(current - previous, 2);
  const shown = roundAway(diff, kind === 'minutes' || kind === 'count' ? 0 : 1);
  if (shown === 0) return { text: 'no change', spoken: 'no change', direction: 'flat' };
  const abs = Math.abs(shown);
  const magnitude = kind === 'pct' ? `${oneDecimal.format(abs)} pp` : formatValue(abs, kind);
  const direction = shown > 0 ? 'up' : 'down';
  return {
    text: `${shown > 0 ? '+' : '\u2212'}${magnitude}`,
    spoken: `${direction} ${magnitude.replace(' pp', ' percentage points')}`,
    direction,
  };
}

/** Rounds half away from zero, like the API (kpis.md "Numbers"). */
export function roundAway(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return (Math.sign(value) * Math.round(Math.abs(value) * f * (1 + Number.EPSILON))) / f;
}

/** Rounds like the API (2 decimals) so that sums of floats do not show binary noise. */
export function round2(value: number): number {
  return roundAway(value, 2);
}
