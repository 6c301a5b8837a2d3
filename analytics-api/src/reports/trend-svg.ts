import { escapeHtml, formatNumber, formatShortDay, TEXT, type Language } from './locale.js';

/**
 * The week's trend as inline SVG: tickets opened and closed per day, as pairs of bars with their
 * numbers written above them. Inline because mail clients block external images and scripts; no
 * CSS classes (many clients drop <style>), only presentation attributes.
 */

export interface TrendDay {
  date: string;
  opened: number | null;
  closed: number | null;
}

const WIDTH = 560;
const HEIGHT = 190;
const TOP = 28;
const BOTTOM = 30;
const OPENED = '#3366cc';
const CLOSED = '#2e9e5b';

export function weekTrendSvg(days: readonly TrendDay[], language: Language): string {
  const words = TEXT[language];
  const largest = Math.max(1, ...days.flatMap((d) => [d.opened ?? 0, d.closed ?? 0]));
  const plot = HEIGHT - TOP - BOTTOM;
  const slot = WIDTH / Math.max(1, days.length);
  const bar = Math.min(22, slot / 3);
  const parts: string[] = [];
  days.forEach((day, index) => {
    const centre = slot * index + slot / 2;
    const pairs: [number | null, string, number][] = [
      [day.opened, OPENED, centre - bar - 1],
      [day.closed, CLOSED, centre + 1],
    ];
    for (const [value, colour, x] of pairs) {
      const height = value === null ? 0 : Math.round((value / largest) * plot);
      const y = TOP + plot - height;
      if (height > 0) parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${bar.toFixed(1)}" height="${height}" fill="${colour}"/>`);
      parts.push(
        `<text x="${(x + bar / 2).toFixed(1)}" y="${y - 4}" font-size="11" text-anchor="middle" fill="#1f2933">${escapeHtml(formatNumber(value, language))}</text>`,
      );
    }
    parts.push(
      `<text x="${centre.toFixed(1)}" y="${HEIGHT - 10}" font-size="11" text-anchor="middle" fill="#52606d">${escapeHtml(formatShortDay(day.date, language))}</text>`,
    );
  });
  const legend =
    `<rect x="0" y="4" width="10" height="10" fill="${OPENED}"/><text x="14" y="13" font-size="11" fill="#1f2933">${escapeHtml(words.opened)}</text>` +
    `<rect x="90" y="4" width="10" height="10" fill="${CLOSED}"/><text x="104" y="13" font-size="11" fill="#1f2933">${escapeHtml(words.closed)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" ` +
    `aria-label="${escapeHtml(words.weekTrend)}" font-family="Arial, Helvetica, sans-serif">` +
    `<title>${escapeHtml(words.weekTrend)}</title>${legend}` +
    `<line x1="0" y1="${TOP + plot}" x2="${WIDTH}" y2="${TOP + plot}" stroke="#cbd2d9"/>${parts.join('')}</svg>`
  );
}
