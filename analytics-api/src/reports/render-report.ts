import { breachSentence, type BreachLine } from '../alerts/alert-message.js';
import type { DayStatus } from '../alerts/day-assessment.js';
import type { KpiKey, Kpis } from '../kpi/kpi-keys.js';
import { escapeHtml, formatDay, formatKpi, kpiLabel, TEXT, type Language } from './locale.js';
import { weekTrendSvg, type TrendDay } from './trend-svg.js';

/**
 * The morning report of one tenant's day as a ready-to-send message: subject, HTML (tables and
 * inline styles, the trend as inline SVG, no script, no external resource) and the same content
 * as plain text. Pure: the service gathers the data.
 */

export interface ReportInput {
  tenantName: string;
  date: string;
  language: Language;
  status: DayStatus;
  kpis: Kpis | undefined;
  previous: Kpis | undefined;
  week: TrendDay[];
  breaches: BreachLine[];
  noVerdict: KpiKey[];
  dashboardUrl: string;
}

export interface RenderedReport {
  subject: string;
  html: string;
  text: string;
}

/** The tiles of the report, in this order. */
const REPORT_TILES: readonly KpiKey[] = [
  'tickets_opened',
  'tickets_closed',
  'backlog_open',
  'first_response_median_minutes',
  'resolution_median_hours',
  'sla_response_pct',
  'sla_resolution_pct',
  'hours_worked',
  'utilization_pct',
];

function statusNote(input: ReportInput): string | undefined {
  const words = TEXT[input.language];
  if (input.status === 'missing') return words.missing;
  if (input.status === 'stale') return words.stale;
  if (input.status === 'no_targets') return words.noTargets;
  if (input.status === 'ok') return words.noBreach;
  return undefined;
}

export function renderReport(input: ReportInput): RenderedReport {
  const { language } = input;
  const words = TEXT[language];
  const day = formatDay(input.date, language);
  const subject = words.reportSubject(input.tenantName, day);
  const note = statusNote(input);
  const noVerdict = input.noVerdict.length > 0 ? words.noVerdict(input.noVerdict.map((k) => kpiLabel(k, language)).join(', ')) : undefined;
  const tiles = input.kpis
    ? REPORT_TILES.map((kpi) => ({
        kpi,
        label: kpiLabel(kpi, language),
        value: formatKpi(kpi, input.kpis![kpi], language),
        previous: words.previous(input.previous ? formatKpi(kpi, input.previous[kpi], language) : words.noDay),
      }))
    : [];
  const breaches = input.breaches.map((line) => breachSentence(line, language));

  const text = [
    `${words.reportTitle} — ${input.tenantName} — ${day}`,
    '',
    ...tiles.map((t) => `${t.label}${words.colon}${t.value} (${t.previous})`),
    ...(tiles.length > 0 ? [''] : []),
    words.weekTrend,
    ...input.week.map((d) => `  ${d.date}  ${words.opened} ${d.opened ?? '—'}, ${words.closed} ${d.closed ?? '—'}`),
    '',
    ...(breaches.length > 0 ? [`${words.breaches}${words.colon.trimEnd()}`, ...breaches.map((s) => `- ${s}`), ''] : []),
    ...(note ? [note, ''] : []),
    ...(noVerdict ? [noVerdict, ''] : []),
    `${words.dashboard}${words.colon}${input.dashboardUrl}`,
    '',
  ].join('\n');

  const tileCells = tiles.map(
    (t) =>
      `<td style="padding:10px;border:1px solid #e4e7eb;border-radius:6px;width:33%;vertical-align:top">` +
      `<div style="font-size:12px;color:#52606d">${escapeHtml(t.label)}</div>` +
      `<div style="font-size:22px;font-weight:bold;color:#1f2933" data-kpi="${t.kpi}">${escapeHtml(t.value)}</div>` +
      `<div style="font-size:11px;color:#7b8794">${escapeHtml(t.previous)}</div></td>`,
  );
  const tileRows: string[] = [];
  for (let i = 0; i < tileCells.length; i += 3) tileRows.push(`<tr>${tileCells.slice(i, i + 3).join('')}</tr>`);
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:16px;background:#f5f7fa;font-family:Arial,Helvetica,sans-serif;color:#1f2933">',
    '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="margin:0 auto;background:#ffffff;padding:16px">',
    `<tr><td><h1 style="font-size:20px;margin:0 0 4px">${escapeHtml(words.reportTitle)} — ${escapeHtml(input.tenantName)}</h1>`,
    `<div style="color:#52606d;margin-bottom:12px">${escapeHtml(day)}</div></td></tr>`,
    tileRows.length > 0
      ? `<tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="6">${tileRows.join('')}</table></td></tr>`
      : '',
    `<tr><td style="padding-top:12px"><h2 style="font-size:15px;margin:0 0 6px">${escapeHtml(words.weekTrend)}</h2>${weekTrendSvg(input.week, language)}</td></tr>`,
    breaches.length > 0
      ? `<tr><td style="padding-top:12px"><h2 style="font-size:15px;margin:0 0 6px;color:#b42318">${escapeHtml(words.breaches)}</h2>` +
        `<ul style="margin:0;padding-left:18px">${breaches.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul></td></tr>`
      : '',
    note ? `<tr><td style="padding-top:12px"><p style="margin:0">${escapeHtml(note)}</p></td></tr>` : '',
    noVerdict ? `<tr><td style="padding-top:6px"><p style="margin:0;color:#52606d">${escapeHtml(noVerdict)}</p></td></tr>` : '',
    `<tr><td style="padding-top:16px"><a href="${escapeHtml(input.dashboardUrl)}" style="color:#3366cc">${escapeHtml(words.dashboard)}</a></td></tr>`,
    '</table></body></html>',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { subject, html, text };
}
