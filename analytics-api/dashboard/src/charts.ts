/** The four trend charts (Chart.js, only the parts used are bundled). */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type TooltipItem,
} from 'chart.js';
import { aggregateTotal } from './aggregate.js';
import { eachDay, longDay, rangeText, shortDay } from './dates.js';
import { formatValue, type ValueKind } from './format.js';
import { renderDataTable } from './table.js';
import { missedIndexes, targetText, targetValue, type KpiTargets } from './targets.js';
import type { DailyItem } from './types.js';

Chart.register(BarController, LineController, BarElement, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.color = '#374151';
Chart.defaults.borderColor = '#e5e7eb';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.plugins.legend.position = 'bottom';
Chart.defaults.plugins.legend.labels.boxWidth = 14;
Chart.defaults.plugins.legend.labels.boxHeight = 14;

/** Colors chosen for 3:1 contrast on white and to stay apart for the common color-vision deficiencies. */
export const COLORS = {
  opened: '#0072b2',
  closed: '#00795a',
  age0: '#2b8cbe',
  age8: '#0b4f8a',
  age15: '#d55e00',
  age31: '#8c1d18',
  response: '#0072b2',
  resolution: '#c2410c',
  target: '#374151',
  worked: '#6b9ac4',
  billable: '#0b3c6e',
  utilization: '#c2410c',
  missed: '#b91c1c',
} as const;

export const SLA_TARGET = 85;

export interface ChartSummary {
  id: string;
  type: string;
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

const charts = new Map<string, Chart>();

function value(item: DailyItem | undefined, key: string): number | null {
  const v = item?.kpis[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function tooltipLabel(kind: ValueKind) {
  return (ctx: TooltipItem<'bar' | 'line'>) => `${ctx.dataset.label ?? ''}: ${formatValue(ctx.parsed.y, kind)}`;
}

function mount(id: string, config: ChartConfiguration<'bar' | 'line'>): void {
  const figure = document.getElementById(id);
  const canvas = figure?.querySelector('canvas');
  if (!canvas) return;
  charts.get(id)?.destroy();
  charts.set(id, new Chart(canvas, config as ChartConfiguration));
}

function describe(id: string, text: string): void {
  const caption = document.getElementById(`${id}-desc`);
  if (caption) caption.textContent = text;
}

function dataTable(id: string, caption: string, headers: string[], rows: string[][]): void {
  const host = document.querySelector<HTMLElement>(`#${id} [data-role="data"]`);
  if (host) renderDataTable(host, caption, headers, rows);
}

function argMax(xs: (number | null)[]): number {
  let best = -1;
  xs.forEach((x, i) => {
    if (x !== null && (best < 0 || x > (xs[best] ?? -Infinity))) best = i;
  });
  return best;
}

/** A dashed line at the tenant's target for `key`, or nothing when it has none. */
function targetLine(
  targets: KpiTargets,
  key: string,
  label: string,
  days: string[],
  kind: ValueKind,
  extra: Partial<ChartDataset<'line'>> = {},
): ChartDataset<'line'>[] {
  const target = targets[key];
  if (!target) return [];
  const text = targetText(target, (v) => formatValue(v, kind));
  return [
    {
      type: 'line',
      label: `${label} target (${text})`,
      data: days.map(() => targetValue(target)),
      borderColor: COLORS.target,
      backgroundColor: COLORS.target,
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      pointHoverRadius: 0,
      ...extra,
    } as ChartDataset<'line'>,
  ];
}

/** Larger red crosses on the points of a line that miss the target. */
function missedPoints(
  series: (number | null)[],
  targets: KpiTargets,
  key: string,
  color: string,
  radius: number,
): Partial<ChartDataset<'line'>> {
  const missed = new Set(missedIndexes(series, targets[key]));
  if (missed.size === 0) return {};
  return {
    pointRadius: series.map((_, i) => (missed.has(i) ? 6 : radius)),
    pointStyle: series.map((_, i) => (missed.has(i) ? 'crossRot' : 'circle')),
    pointBorderColor: series.map((_, i) => (missed.has(i) ? COLORS.missed : color)),
    pointBorderWidth: series.map((_, i) => (missed.has(i) ? 2.5 : 1)),
  } as Partial<ChartDataset<'line'>>;
}

/** A red outline on the bars that miss the target. */
function missedBars(series: (number | null)[], targets: KpiTargets, key: string): Partial<ChartDataset<'bar'>> {
  const missed = new Set(missedIndexes(series, targets[key]));
  if (missed.size === 0) return {};
  return {
    borderColor: series.map((_, i) => (missed.has(i) ? COLORS.missed : 'transparent')),
    borderWidth: series.map((_, i) => (missed.has(i) ? 2 : 0)),
  };
}

/** " Response missed its target (at least 90 %) on 3 of 30 days: 2 Jan, …" or nothing. */
function missedNote(name: string, series: (number | null)[], targets: KpiTargets, key: string, days: string[], kind: ValueKind): string {
  const target = targets[key];
  if (!target) return '';
  const missed = missedIndexes(series, target);
  const counted = series.filter((v) => v !== null).length;
  return (
    ` ${name} missed its target (${targetText(target, (v) => formatValue(v, kind))}) on ${missed.length} of ${counted} days` +
    (missed.length ? `: ${missed.map((i) => shortDay(days[i]!)).join(', ')}.` : '.')
  );
}

/**
 * Draws every chart for the computed days in `items` (sorted by date, at least one), with the
 * tenant's KPI targets as dashed lines and the days that missed them marked.
 */
export function renderCharts(items: DailyItem[], targets: KpiTargets = {}): void {
  const first = items[0]!.date;
  const last = items[items.length - 1]!.date;
  const days = eachDay(first, last);
  const byDate = new Map(items.map((i) => [i.date, i]));
  const rows = days.map((d) => byDate.get(d));
  const labels = days.map(shortDay);
  const series = (key: string) => rows.map((r) => value(r, key));
  const span = rangeText(first, last);
  const missing = days.length - items.length;
  const gapNote =
    missing > 0 ? ` ${missing} day${missing === 1 ? ' was' : 's were'} not computed and ${missing === 1 ? 'is' : 'are'} left blank.` : '';
  const total = aggregateTotal(items);
  const lastItem = items[items.length - 1]!;
  const x = { grid: { display: false }, ticks: { autoSkipPadding: 8, maxRotation: 0 } };

  // Tickets opened vs closed
  const opened = series('tickets_opened');
  const closed = series('tickets_closed');
  mount('chart-tickets', {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'Opened', data: opened, backgroundColor: COLORS.opened, ...missedBars(opened, targets, 'tickets_opened') },
        { label: 'Closed', data: closed, backgroundColor: COLORS.closed, ...missedBars(closed, targets, 'tickets_closed') },
        ...(targetLine(targets, 'tickets_opened', 'Opened', days, 'count') as unknown as ChartDataset<'bar'>[]),
        ...(targetLine(targets, 'tickets_closed', 'Closed', days, 'count') as unknown as ChartDataset<'bar'>[]),
      ],
    },
    options: {
      scales: { x, y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Tickets' } } },
      plugins: { tooltip: { callbacks: { label: tooltipLabel('count') } } },
    },
  });
  const peak = argMax(opened);
  describe(
    'chart-tickets',
    `Bars per day, ${span}: ${formatValue(total.tickets_opened, 'count')} tickets opened and ${formatValue(total.tickets_closed, 'count')} closed in total` +
      (peak >= 0 ? `; the most were opened on ${longDay(days[peak]!)} (${formatValue(opened[peak], 'count')}).` : '.') +
      missedNote('Opened', opened, targets, 'tickets_opened', days, 'count') +
      missedNote('Closed', closed, targets, 'tickets_closed', days, 'count') +
      gapNote,
  );
  dataTable(
    'chart-tickets',
    'Tickets opened and closed per day',
    ['Day', 'Opened', 'Closed'],
    days.map((d, i) => [longDay(d), formatValue(opened[i], 'count'), formatValue(closed[i], 'count')]),
  );

  // Backlog stacked by age
  const ages: [string, string, string][] = [
    ['backlog_age_0_7d', '0–7 days', COLORS.age0],
    ['backlog_age_8_14d', '8–14 days', COLORS.age8],
    ['backlog_age_15_30d', '15–30 days', COLORS.age15],
    ['backlog_age_31d_plus', 'Over 30 days', COLORS.age31],
  ];
  const ageSeries = ages.map(([key]) => series(key));
  mount('chart-backlog', {
    type: 'bar',
    data: {
      labels,
      datasets: ages
        .map(([, label, color], i) => ({
          label,
          data: ageSeries[i]!,
          backgroundColor: color,
          borderColor: '#ffffff',
          borderWidth: { top: 1 },
          stack: 'age',
        }))
        .concat(
          targetLine(targets, 'backlog_open', 'Backlog', days, 'count', { stack: 'target' } as Partial<ChartDataset<'line'>>) as never[],
        ),
    },
    options: {
      scales: {
        x: { ...x, stacked: true },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Open tickets' } },
      },
      plugins: { tooltip: { mode: 'index', callbacks: { label: tooltipLabel('count') } } },
    },
  });
  const lastAges = ages.map(([key]) => value(lastItem, key));
  describe(
    'chart-backlog',
    `Open tickets at the end of each day, stacked by age, ${span}. On ${longDay(last)}: ${formatValue(value(lastItem, 'backlog_open'), 'count')} open — ` +
      ages.map(([, label], i) => `${formatValue(lastAges[i], 'count')} aged ${label.toLowerCase()}`).join(', ') +
      '.' +
      missedNote('The backlog', series('backlog_open'), targets, 'backlog_open', days, 'count') +
      gapNote,
  );
  dataTable(
    'chart-backlog',
    'Backlog at the end of each day by age',
    ['Day', 'Total', ...ages.map(([, l]) => l)],
    days.map((d, i) => [
      longDay(d),
      formatValue(value(rows[i], 'backlog_open'), 'count'),
      ...ageSeries.map((s) => formatValue(s[i], 'count')),
    ]),
  );

  // SLA % with target
  const resp = series('sla_response_pct');
  const reso = series('sla_resolution_pct');
  const slaValues = [...resp, ...reso].filter((v): v is number => v !== null);
  const maxSla = Math.max(100, ...slaValues);
  // Zoom in on the band the values live in (always showing the target), in steps of 10 %.
  const configured = ['sla_response_pct', 'sla_resolution_pct'].filter((key) => targets[key]);
  const slaLines = configured.length
    ? [
        ...targetLine(targets, 'sla_response_pct', 'Response', days, 'pct'),
        ...targetLine(targets, 'sla_resolution_pct', 'Resolution', days, 'pct', { borderDash: [2, 3] }),
      ]
    : [
        {
          label: `Target ${SLA_TARGET} %`,
          data: days.map(() => SLA_TARGET),
          borderColor: COLORS.target,
          backgroundColor: COLORS.target,
          borderDash: [6, 4],
          borderWidth: 1.5,
          pointRadius: 0,
          pointHoverRadius: 0,
        } as ChartDataset<'line'>,
      ];
  const lineLevels = slaLines.map((line) => (line.data[0] as number) ?? SLA_TARGET);
  const minSla = Math.max(0, Math.floor((Math.min(...lineLevels, ...slaValues) - 5) / 10) * 10);
  mount('chart-sla', {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          label: 'Response met',
          data: resp,
          borderColor: COLORS.response,
          backgroundColor: COLORS.response,
          pointRadius: 2.5,
          pointStyle: 'circle',
          borderWidth: 2,
          spanGaps: false,
          ...missedPoints(resp, targets, 'sla_response_pct', COLORS.response, 2.5),
        },
        {
          label: 'Resolution met',
          data: reso,
          borderColor: COLORS.resolution,
          backgroundColor: COLORS.resolution,
          pointRadius: 3,
          pointStyle: 'rect',
          borderWidth: 2,
          spanGaps: false,
          ...missedPoints(reso, targets, 'sla_resolution_pct', COLORS.resolution, 3),
        },
        ...slaLines,
      ] satisfies ChartDataset<'line'>[],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x,
        y: { min: minSla, max: maxSla, ticks: { callback: (v) => `${v} %` }, title: { display: true, text: 'Tickets within SLA' } },
      },
      plugins: { tooltip: { callbacks: { label: tooltipLabel('pct') } } },
    },
  });
  const daysAtTarget = (s: (number | null)[]) =>
    `${s.filter((v) => v !== null && v >= SLA_TARGET).length} of ${s.filter((v) => v !== null).length}`;
  describe(
    'chart-sla',
    configured.length
      ? `Share of tickets within SLA per day, ${span}, against the tenant's targets. Over the range: response ${formatValue(total.sla_response_pct, 'pct')}, ` +
          `resolution ${formatValue(total.sla_resolution_pct, 'pct')}.` +
          missedNote('Response', resp, targets, 'sla_response_pct', days, 'pct') +
          missedNote('Resolution', reso, targets, 'sla_resolution_pct', days, 'pct') +
          ' Days without an SLA verdict are blank.' +
          gapNote
      : `Share of tickets within SLA per day, ${span}, against the ${SLA_TARGET} % target. Over the range: response ${formatValue(total.sla_response_pct, 'pct')} ` +
          `(at or above target on ${daysAtTarget(resp)} days), resolution ${formatValue(total.sla_resolution_pct, 'pct')} (on ${daysAtTarget(reso)} days). Days without an SLA verdict are blank.` +
          gapNote,
  );
  dataTable(
    'chart-sla',
    'SLA attainment per day',
    ['Day', 'Response met', 'Resolution met'],
    days.map((d, i) => [longDay(d), formatValue(resp[i], 'pct'), formatValue(reso[i], 'pct')]),
  );

  // Hours and utilization
  const worked = series('hours_worked');
  const billable = series('hours_billable');
  const util = series('utilization_pct');
  const capacity = series('capacity_hours');
  const maxUtil = Math.max(
    100,
    ...util.filter((v): v is number => v !== null),
    targets.utilization_pct ? targetValue(targets.utilization_pct) : 0,
  );
  mount('chart-hours', {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { type: 'bar', label: 'Hours worked', data: worked, backgroundColor: COLORS.worked, yAxisID: 'y', order: 2 },
        { type: 'bar', label: 'Billable hours', data: billable, backgroundColor: COLORS.billable, yAxisID: 'y', order: 2 },
        {
          type: 'line',
          label: 'Utilization',
          data: util,
          borderColor: COLORS.utilization,
          backgroundColor: COLORS.utilization,
          yAxisID: 'y1',
          pointRadius: 2.5,
          borderWidth: 2,
          order: 1,
          spanGaps: false,
          ...missedPoints(util, targets, 'utilization_pct', COLORS.utilization, 2.5),
        },
        ...targetLine(targets, 'utilization_pct', 'Utilization', days, 'pct', { yAxisID: 'y1', order: 0 } as Partial<ChartDataset<'line'>>),
        ...targetLine(targets, 'hours_billable', 'Billable hours', days, 'hours', { yAxisID: 'y', order: 0, borderDash: [2, 3] } as Partial<
          ChartDataset<'line'>
        >),
      ] as ChartDataset<'bar' | 'line'>[] as ChartDataset<'bar'>[],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x,
        y: { beginAtZero: true, position: 'left', title: { display: true, text: 'Hours' } },
        y1: {
          min: 0,
          max: maxUtil,
          position: 'right',
          grid: { drawOnChartArea: false },
          ticks: { callback: (v) => `${v} %` },
          title: { display: true, text: 'Utilization' },
        },
      },
      plugins: {
        legend: { labels: { sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) } },
        tooltip: {
          callbacks: {
            label: (ctx: TooltipItem<'bar'>) =>
              `${ctx.dataset.label ?? ''}: ${formatValue(ctx.parsed.y, ctx.dataset.yAxisID === 'y1' ? 'pct' : 'hours')}`,
          },
        },
      },
    },
  });
  describe(
    'chart-hours',
    `Hours logged per day, ${span}: ${formatValue(total.hours_worked, 'hours')} worked, ${formatValue(total.hours_billable, 'hours')} billable ` +
      `(${formatValue(total.billable_ratio_pct, 'pct')}). Utilization, billable hours over capacity, was ${formatValue(total.utilization_pct, 'pct')} over the range; the line uses the right-hand axis.` +
      missedNote('Utilization', util, targets, 'utilization_pct', days, 'pct') +
      missedNote('Billable hours', billable, targets, 'hours_billable', days, 'hours') +
      gapNote,
  );
  dataTable(
    'chart-hours',
    'Hours and utilization per day',
    ['Day', 'Worked', 'Billable', 'Capacity', 'Utilization'],
    days.map((d, i) => [
      longDay(d),
      formatValue(worked[i], 'hours'),
      formatValue(billable[i], 'hours'),
      formatValue(capacity[i], 'hours'),
      formatValue(util[i], 'pct'),
    ]),
  );
}

export function destroyCharts(): void {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
}

/** What each chart currently plots (read by the browser test and handy in devtools). */
export function chartSummaries(): ChartSummary[] {
  return [...charts.entries()].map(([id, chart]) => ({
    id,
    type: (chart.config as { type?: string }).type ?? '',
    labels: (chart.data.labels ?? []).map(String),
    datasets: chart.data.datasets.map((ds) => ({ label: String(ds.label ?? ''), data: (ds.data as (number | null)[]).slice() })),
  }));
}
