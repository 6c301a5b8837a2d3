/**
 * MSP Analytics KPI dashboard: the page's controller.
 *
 * Views (data-state on <main>): signed-out → loading → ready | empty | error.
 * The API key lives in sessionStorage only (this tab, until it is closed) and is sent as
 * X-API-Key; it is never put in the URL. The URL may carry ?from=&to= so a range can be shared.
 */
import { aggregateGroups, sumRows, type GroupRow } from './aggregate.js';
import { ApiError, KpiClient } from './api.js';
import { chartSummaries, destroyCharts, renderCharts } from './charts.js';
import { addDays, daysBetween, instantText, isIsoDate, longDay, rangeText, todayIso, weekdayDay } from './dates.js';
import { formatDelta, formatValue, type ValueKind } from './format.js';
import { renderSortableTable, type Column } from './table.js';
import type { DailyItem, DateRange, GroupBy } from './types.js';

const KEY_STORAGE = 'msp-analytics.api-key';
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;
/** How far back "latest computed day" looks: the last 30 days, then three windows of 366 days. */
const PROBE_WINDOWS = 3;

type View = 'signed-out' | 'loading' | 'ready' | 'empty' | 'error';

function $(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

const ui = {
  main: $('main'),
  signin: $('signin'),
  signinForm: $('signin-form') as HTMLFormElement,
  keyInput: $('api-key') as HTMLInputElement,
  signinError: $('signin-error'),
  signinSubmit: $('signin-submit') as HTMLButtonElement,
  signOut: $('sign-out') as HTMLButtonElement,
  freshness: $('freshness'),
  board: $('board'),
  boardTitle: $('board-title'),
  rangeForm: $('range-form') as HTMLFormElement,
  from: $('range-from') as HTMLInputElement,
  to: $('range-to') as HTMLInputElement,
  rangeError: $('range-error'),
  latest: $('range-latest') as HTMLButtonElement,
  refresh: $('refresh') as HTMLButtonElement,
  status: $('status'),
  notice: $('notice'),
  syncBanner: $('sync-banner'),
  problem: $('problem'),
  problemText: $('problem-text'),
  retry: $('retry') as HTMLButtonElement,
  empty: $('empty'),
  emptyTitle: $('empty-title'),
  emptyText: $('empty-text'),
  content: $('content'),
  tilesTitle: $('tiles-title'),
  tiles: $('tiles'),
};

let client: KpiClient | null = null;
let current: DateRange | null = null;
let controller: AbortController | null = null;
let retryAction: (() => void) | null = null;
let hasContent = false;
/** Why the dates of the page's link were not used, said once with the default view. */
let linkProblem = '';

// ---------------------------------------------------------------- views

function setView(view: View, status = ''): void {
  ui.main.dataset['state'] = view;
  ui.main.setAttribute('aria-busy', String(view === 'loading'));
  ui.signin.hidden = view !== 'signed-out';
  ui.board.hidden = view === 'signed-out';
  ui.signOut.hidden = view === 'signed-out';
  ui.problem.hidden = view !== 'error';
  ui.empty.hidden = view !== 'empty';
  ui.content.hidden = !(view === 'ready' || (view === 'loading' && hasContent));
  ui.content.classList.toggle('is-stale', view === 'loading');
  ui.status.textContent = status;
  for (const b of [ui.latest, ui.refresh, ui.rangeForm.querySelector('button[type=submit]') as HTMLButtonElement])
    b.disabled = view === 'loading';
}

function showNotice(text: string | null): void {
  ui.notice.hidden = !text;
  ui.notice.textContent = text ?? '';
}

function showProblem(message: string, retry: () => void): void {
  retryAction = retry;
  showNotice(null);
  ui.problemText.textContent = message;
  setView('error');
}

function showEmpty(title: string, text: string): void {
  hasContent = false;
  destroyCharts();
  ui.emptyTitle.textContent = title;
  ui.emptyText.textContent = text;
  setView('empty');
}

function signOut(message?: string): void {
  controller?.abort();
  controller = null;
  client = null;
  current = null;
  hasContent = false;
  sessionStorage.removeItem(KEY_STORAGE);
  destroyCharts();
  ui.tiles.replaceChildren();
  ui.freshness.hidden = true;
  ui.freshness.textContent = '';
  ui.syncBanner.hidden = true;
  ui.syncBanner.textContent = '';
  showNotice(null);
  ui.keyInput.value = '';
  ui.signinError.hidden = !message;
  ui.signinError.textContent = message ?? '';
  ui.keyInput.setAttribute('aria-invalid', String(Boolean(message)));
  ui.signinSubmit.disabled = false;
  ui.signinSubmit.textContent = 'Show my KPIs';
  setView('signed-out');
  ui.keyInput.focus();
}

/** One place that turns a failure into what the user sees. */
function fail(err: unknown, retry: () => void): void {
  if (err instanceof ApiError && err.kind === 'refused') {
    signOut(err.message);
    return;
  }
  const message = err instanceof ApiError ? err.message : 'Something went wrong while showing the KPIs. Try again.';
  if (!(err instanceof ApiError)) console.warn(err);
  showProblem(message, retry);
}

// ---------------------------------------------------------------- range

/** What is wrong with a from/to pair, in the words of the form; '' when it is a valid range. */
function rangeProblem(from: string, to: string): string {
  if (!isIsoDate(from) || !isIsoDate(to)) return 'Enter both dates.';
  if (from > to) return 'The start date must not be after the end date.';
  if (daysBetween(from, to) >= MAX_DAYS) return `Choose at most ${MAX_DAYS} days.`;
  return '';
}

/**
 * The range a shared link carries; `problem` when the link has dates that cannot be shown (said to
 * the user rather than dropped silently).
 */
function readRangeFromUrl(): { range: DateRange | null; problem: string } {
  const params = new URLSearchParams(location.search);
  if (!params.has('from') && !params.has('to')) return { range: null, problem: '' };
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const problem = rangeProblem(from, to);
  return problem ? { range: null, problem } : { range: { from, to }, problem: '' };
}

function writeRange(range: DateRange): void {
  ui.from.value = range.from;
  ui.to.value = range.to;
  const url = new URL(location.href);
  url.search = new URLSearchParams({ from: range.from, to: range.to }).toString();
  history.replaceState(null, '', url);
}

function validateRangeInputs(): DateRange | null {
  const from = ui.from.value;
  const to = ui.to.value;
  const error = rangeProblem(from, to);
  ui.rangeError.hidden = !error;
  ui.rangeError.textContent = error;
  ui.from.setAttribute('aria-invalid', String(Boolean(error) && (!isIsoDate(from) || from > to || daysBetween(from, to) >= MAX_DAYS)));
  ui.to.setAttribute('aria-invalid', String(Boolean(error) && !isIsoDate(to)));
  return error ? null : { from, to };
}

/** A day on which something happened: tickets opened or closed, or time logged. */
function hasActivity(item: DailyItem): boolean {
  return ['tickets_opened', 'tickets_closed', 'first_response_count', 'hours_worked'].some((k) => (kpi(item, k) ?? 0) > 0);
}

interface Latest {
  /** The latest computed day (null when there is none). */
  computed: string | null;
  /** The latest computed day with activity (null when there is none). */
  active: string | null;
}

/**
 * The latest computed day, and the latest one with activity, up to today, looking back ~3 years.
 * An all-zero day computed after the data ends (the compute job's "yesterday" on old data) must not
 * take the default view over. Both null when nothing is found (or on abort).
 */
async function latestDays(api: KpiClient, signal: AbortSignal): Promise<Latest> {
  const today = todayIso();
  let to = today;
  let from = addDays(today, -(DEFAULT_DAYS - 1));
  let computed: string | null = null;
  for (let i = 0; i <= PROBE_WINDOWS; i++) {
    const list = await api.daily(from, to);
    if (signal.aborted) return { computed: null, active: null };
    computed ??= list.items[list.items.length - 1]?.date ?? null;
    const active = list.items.filter(hasActivity).pop();
    if (active) return { computed, active: active.date };
    to = addDays(from, -1);
    from = addDays(to, -(MAX_DAYS - 1));
  }
  return { computed, active: null };
}

/** Default range: the 30 days ending at the latest day with activity (or today when there is none). */
async function openLatest(): Promise<void> {
  if (!client) return;
  controller?.abort();
  const ctl = (controller = new AbortController());
  setView('loading', 'Looking for the latest computed day…');
  try {
    const found = await latestDays(client, ctl.signal);
    if (ctl.signal.aborted) return;
    markKeyAccepted();
    const today = todayIso();
    const latest = found.active ?? found.computed;
    if (latest === null) {
      const range = { from: addDays(today, -(DEFAULT_DAYS - 1)), to: today };
      writeRange(range);
      current = range;
      showNotice(linkProblem || null);
      linkProblem = '';
      showEmpty(
        'No KPIs computed yet',
        'This tenant has no computed KPIs in the last three years. KPIs appear once the daily compute job has run; ' +
          'if you know data exists for other dates, pick them above and select Show.',
      );
      return;
    }
    const range = { from: addDays(latest, -(DEFAULT_DAYS - 1)), to: latest };
    let notice: string | null = null;
    if (found.computed !== null && found.computed !== latest) {
      notice =
        `The latest computed day, ${longDay(found.computed)}, has no activity (no ticket opened, closed or answered, no time logged). ` +
        `Showing the ${DEFAULT_DAYS} days up to ${longDay(latest)}, the latest day with activity. Pick other dates above to see the days after it.`;
    } else if (daysBetween(latest, today) >= DEFAULT_DAYS) {
      notice = `No KPIs were computed in the last ${DEFAULT_DAYS} days. Showing the ${DEFAULT_DAYS} days up to the latest computed day, ${longDay(latest)}. Pick other dates above to look elsewhere.`;
    }
    showNotice([linkProblem, notice].filter(Boolean).join(' ') || null);
    linkProblem = '';
    await loadRange(range, ctl);
  } catch (err) {
    if (!ctl.signal.aborted) fail(err, () => void openLatest());
  }
}

// ---------------------------------------------------------------- loading

/** The API answered 200 to this key: keep it for the tab's session and clear the field. */
function markKeyAccepted(): void {
  if (client) sessionStorage.setItem(KEY_STORAGE, client.apiKey);
  ui.keyInput.value = '';
}

async function loadRange(range: DateRange, existing?: AbortController): Promise<void> {
  if (!client) return;
  const api = client;
  if (!existing) controller?.abort();
  const ctl = existing ?? (controller = new AbortController());
  current = range;
  writeRange(range);
  ui.rangeError.hidden = true;
  setView('loading', `Loading KPIs for ${rangeText(range.from, range.to)}…`);
  try {
    const list = await api.daily(range.from, range.to);
    if (ctl.signal.aborted) return;
    markKeyAccepted();
    const items = list.items;
    const latest = items[items.length - 1];
    if (!latest) {
      ui.freshness.hidden = true;
      showEmpty(
        'No KPIs in this range',
        `No day between ${longDay(range.from)} and ${longDay(range.to)} has computed KPIs. Use “Latest 30 days” to jump to the most recent computed data, or pick other dates.`,
      );
      return;
    }
    const prevDate = addDays(latest.date, -COMPARE_DAYS);
    let previous = items.find((i) => i.date === prevDate);
    if (!previous && prevDate < range.from) {
      previous = (await api.daily(prevDate, prevDate)).items[0];
      if (ctl.signal.aborted) return;
    }
    renderFreshness(items);
    void renderSyncBanner(api, latest.timezone || 'UTC');
    // Read before the view says "ready", so that the charts are drawn in the same turn as it.
    const targets = await api.kpiTargets();
    if (ctl.signal.aborted) return;
    renderTiles(latest, previous);
    hasContent = true;
    setView('ready', `Showing KPIs for ${rangeText(range.from, range.to)}.`);
    // Charts measure their container, so they are drawn once the content is visible.
    renderCharts(items, targets);
    const lastDate = latest.date;
    void loadBreakdown(api, range, 'client', lastDate, ctl);
    void loadBreakdown(api, range, 'technician', lastDate, ctl);
  } catch (err) {
    if (!ctl.signal.aborted) fail(err, () => void loadRange(range));
  }
}

// ---------------------------------------------------------------- freshness and tiles

const PSA_NAMES: Record<string, string> = { connectwise: 'ConnectWise PSA', autotask: 'Autotask', halopsa: 'HaloPSA' };
/** A sync older than this (hours) makes the banner say the data is stale. */
const SYNC_STALE_HOURS = 26;

/** A failing or stale PSA sync is shown as a banner above the KPIs. */
async function renderSyncBanner(api: KpiClient, tz: string): Promise<void> {
  const status = await api.syncStatus();
  if (client !== api) return;
  let text = '';
  if (status?.psa) {
    const psa = PSA_NAMES[status.psa] ?? status.psa;
    const when = status.last_sync_at ? instantText(status.last_sync_at, tz) : null;
    if (status.last_sync_status === 'credentials_refused') {
      text = `${psa} refused the credentials at the last sync${when ? ` (${when})` : ''}: the KPIs stop at the data synced before. Ask an administrator to renew the connection.`;
    } else if (status.last_sync_status === 'failed') {
      text = `The last sync from ${psa}${when ? ` (${when})` : ''} failed${status.last_sync_error ? `: ${status.last_sync_error}` : ''}. The KPIs may be out of date.`;
    } else if (!status.last_sync_at) {
      text = `No data has been synced from ${psa} yet.`;
    } else if (Date.now() - Date.parse(status.last_sync_at) > SYNC_STALE_HOURS * 3_600_000) {
      text = `The last sync from ${psa} was at ${when}: the KPIs may be out of date.`;
    }
  }
  ui.syncBanner.textContent = text;
  ui.syncBanner.hidden = text === '';
}

function renderFreshness(items: DailyItem[]): void {
  const latest = items[items.length - 1]!;
  const tz = latest.timezone || 'UTC';
  let asOf: string | null = null;
  for (const i of items) if (i.data_as_of && (asOf === null || Date.parse(i.data_as_of) > Date.parse(asOf))) asOf = i.data_as_of;
  ui.freshness.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = asOf ? instantText(asOf, tz) : 'unknown';
  ui.freshness.append('Data as of ', strong, ` (${tz})`);
  ui.freshness.title = `Latest day computed at ${instantText(latest.computed_at, tz)}`;
  ui.freshness.dataset['asOf'] = asOf ?? '';
  const ageDays = asOf ? Math.floor((Date.now() - Date.parse(asOf)) / 86_400_000) : 0;
  ui.freshness.classList.toggle('stale', ageDays >= 2);
  if (ageDays >= 2) ui.freshness.append(` · ${formatValue(ageDays, 'count')} days old`);
  ui.freshness.hidden = false;
}

/**
 * Tiles compare the day with the same weekday a week before: a Saturday against a Friday alarms
 * for nothing, since an MSP's weekend is quiet by design.
 */
const COMPARE_DAYS = 7;
/** A percentage resting on fewer verdicts than this says how many. */
const SMALL_SAMPLE = 3;

interface TileDef {
  key: string;
  label: string;
  kind: ValueKind;
  /** Which way is an improvement; undefined when neither is. */
  better?: 'up' | 'down';
  whenNull: string;
  /** The counts a percentage rests on (its sample is their sum). */
  sample?: string[];
}

const TILES: TileDef[] = [
  { key: 'tickets_opened', label: 'Tickets opened', kind: 'count', whenNull: 'no data' },
  { key: 'tickets_closed', label: 'Tickets closed', kind: 'count', better: 'up', whenNull: 'no data' },
  { key: 'backlog_open', label: 'Backlog', kind: 'count', better: 'down', whenNull: 'no data' },
  {
    key: 'first_response_median_minutes',
    label: 'First response (median)',
    kind: 'minutes',
    better: 'down',
    whenNull: 'no first responses',
  },
  {
    key: 'sla_response_pct',
    label: 'SLA response',
    kind: 'pct',
    better: 'up',
    whenNull: 'no SLA verdicts',
    sample: ['sla_response_met', 'sla_response_breached'],
  },
  {
    key: 'sla_resolution_pct',
    label: 'SLA resolution',
    kind: 'pct',
    better: 'up',
    whenNull: 'no SLA verdicts',
    sample: ['sla_resolution_met', 'sla_resolution_breached'],
  },
  { key: 'utilization_pct', label: 'Utilization', kind: 'pct', better: 'up', whenNull: 'no time logged' },
  { key: 'hours_billable', label: 'Billable hours', kind: 'hours', better: 'up', whenNull: 'no data' },
];

function kpi(item: DailyItem | undefined, key: string): number | null {
  const v = item?.kpis[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function renderTiles(latest: DailyItem, previous: DailyItem | undefined): void {
  const prevDate = addDays(latest.date, -COMPARE_DAYS);
  ui.tilesTitle.textContent = `Latest computed day: ${weekdayDay(latest.date)}`;
  ui.tiles.dataset['date'] = latest.date;
  ui.tiles.replaceChildren(
    ...TILES.map((t) => {
      const value = kpi(latest, t.key);
      const before = kpi(previous, t.key);
      const li = document.createElement('li');
      li.className = 'tile card';
      li.dataset['kpi'] = t.key;
      li.dataset['value'] = value === null ? '' : String(value);

      const label = document.createElement('h3');
      label.className = 'tile-label';
      label.textContent = t.label;

      const val = document.createElement('p');
      val.className = 'tile-value';
      val.textContent = formatValue(value, t.kind);
      if (value === null) {
        const why = document.createElement('span');
        why.className = 'tile-null';
        why.textContent = ` ${t.whenNull}`;
        val.append(why);
      }
      const sample = t.sample && value !== null ? t.sample.reduce((n, k) => n + (kpi(latest, k) ?? 0), 0) : null;
      if (sample !== null && sample < SMALL_SAMPLE) {
        const few = document.createElement('span');
        few.className = 'tile-null tile-sample';
        few.textContent = `from ${sample} ticket${sample === 1 ? '' : 's'}`;
        val.append(few);
      }

      const delta = formatDelta(value, before, t.kind);
      const d = document.createElement('p');
      const tone =
        delta.direction === 'up' || delta.direction === 'down'
          ? t.better
            ? t.better === delta.direction
              ? 'good'
              : 'bad'
            : 'neutral'
          : 'neutral';
      d.className = `tile-delta ${delta.direction} ${tone}`;
      const arrow = delta.direction === 'up' ? '▲ ' : delta.direction === 'down' ? '▼ ' : '';
      const shown = document.createElement('span');
      shown.setAttribute('aria-hidden', 'true');
      shown.textContent = `${arrow}${delta.text}`;
      const spoken = document.createElement('span');
      spoken.className = 'visually-hidden';
      spoken.textContent = `${delta.spoken} compared with ${longDay(prevDate)}, the same weekday a week before`;
      const ref = document.createElement('span');
      ref.className = 'tile-ref';
      ref.setAttribute('aria-hidden', 'true');
      ref.textContent = previous ? ` vs ${weekdayDay(prevDate)}, a week before` : ` (${weekdayDay(prevDate)} not computed)`;
      d.append(shown, spoken, ref);

      li.append(label, val, d);
      return li;
    }),
  );
}

// ---------------------------------------------------------------- breakdown tables

const common: Column<GroupRow>[] = [
  { id: 'tickets_opened', label: 'Opened', kind: 'count', value: (r) => r.tickets_opened, description: 'Tickets opened in the range' },
  { id: 'tickets_closed', label: 'Closed', kind: 'count', value: (r) => r.tickets_closed, description: 'Tickets closed in the range' },
  {
    id: 'backlog_open',
    label: 'Backlog',
    kind: 'count',
    value: (r) => r.backlog_open,
    description: 'Open at the end of the last computed day',
  },
  {
    id: 'first_response_avg_minutes',
    label: 'Avg first response',
    kind: 'minutes',
    value: (r) => r.first_response_avg_minutes,
    description: 'Mean time to first response over the range',
  },
  {
    id: 'sla_response_pct',
    label: 'SLA response',
    kind: 'pct',
    value: (r) => r.sla_response_pct,
    description: 'Responses within SLA: met / (met + breached) over the range',
  },
  {
    id: 'sla_resolution_pct',
    label: 'SLA resolution',
    kind: 'pct',
    value: (r) => r.sla_resolution_pct,
    description: 'Resolutions within SLA: met / (met + breached) over the range',
  },
  { id: 'hours_worked', label: 'Hours worked', kind: 'hours', value: (r) => r.hours_worked },
  { id: 'hours_billable', label: 'Billable hours', kind: 'hours', value: (r) => r.hours_billable },
];

const BREAKDOWNS: Record<GroupBy, { title: string; noun: string; columns: Column<GroupRow>[]; sortBy: string }> = {
  client: {
    title: 'By client',
    noun: 'client',
    sortBy: 'tickets_opened',
    columns: [
      { id: 'label', label: 'Client', kind: 'text', value: (r) => r.label },
      ...common,
      {
        id: 'billable_ratio_pct',
        label: 'Billable %',
        kind: 'pct',
        value: (r) => r.billable_ratio_pct,
        description: 'Billable hours / hours worked',
      },
    ],
  },
  technician: {
    title: 'By technician',
    noun: 'technician',
    sortBy: 'hours_worked',
    columns: [
      { id: 'label', label: 'Technician', kind: 'text', value: (r) => r.label },
      ...common,
      {
        id: 'utilization_pct',
        label: 'Utilization',
        kind: 'pct',
        value: (r) => r.utilization_pct,
        description: 'Billable hours / capacity hours over the range',
      },
    ],
  },
};

async function loadBreakdown(api: KpiClient, range: DateRange, kind: GroupBy, lastDate: string, ctl: AbortController): Promise<void> {
  const card = $(`breakdown-${kind}`);
  const status = card.querySelector<HTMLElement>('.breakdown-status')!;
  const host = card.querySelector<HTMLElement>('.table-wrap')!;
  const def = BREAKDOWNS[kind];
  card.dataset['state'] = 'loading';
  status.hidden = false;
  status.textContent = `Loading the breakdown ${def.title.toLowerCase()}…`;
  try {
    const list = await api.daily(range.from, range.to, kind);
    if (ctl.signal.aborted) return;
    const rows = aggregateGroups(list.items);
    if (rows.length === 0) {
      host.replaceChildren();
      status.textContent = `No ${def.noun} breakdown for ${rangeText(range.from, range.to)}.`;
      card.dataset['state'] = 'empty';
      return;
    }
    const note = card.querySelector<HTMLElement>('.table-note')!;
    note.textContent =
      `${rows.length} ${def.noun}${rows.length === 1 ? '' : 's'}. Counts and hours are sums over the range; ` +
      `percentages are recomputed from those sums; backlog is the number open at the end of ${longDay(lastDate)}.`;
    renderSortableTable(host, {
      caption: `${def.title}, ${rangeText(range.from, range.to)}`,
      describedBy: note.id,
      columns: def.columns,
      rows,
      footer: sumRows(rows, `All ${def.noun}s`),
      sortBy: def.sortBy,
      sortDir: 'descending',
    });
    status.hidden = true;
    status.textContent = '';
    card.dataset['state'] = 'ready';
  } catch (err) {
    if (ctl.signal.aborted) return;
    if (err instanceof ApiError && err.kind === 'refused') return fail(err, () => undefined);
    host.replaceChildren();
    status.textContent =
      `The breakdown ${def.title.toLowerCase()} could not be loaded. ${err instanceof ApiError ? err.message : ''}`.trim();
    card.dataset['state'] = 'error';
  }
}

// ---------------------------------------------------------------- events

ui.signinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (!key) {
    ui.signinError.textContent = 'Enter an API key.';
    ui.signinError.hidden = false;
    ui.keyInput.setAttribute('aria-invalid', 'true');
    ui.keyInput.focus();
    return;
  }
  ui.signinError.hidden = true;
  ui.keyInput.setAttribute('aria-invalid', 'false');
  ui.signinSubmit.disabled = true;
  ui.signinSubmit.textContent = 'Checking…';
  client = new KpiClient(key);
  void start();
});

ui.rangeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const range = validateRangeInputs();
  if (range) {
    showNotice(null);
    void loadRange(range);
  }
});

ui.latest.addEventListener('click', () => void openLatest());
ui.refresh.addEventListener('click', () => {
  client?.clear();
  if (current) void loadRange(current);
  else void openLatest();
});
ui.retry.addEventListener('click', () => retryAction?.());
ui.signOut.addEventListener('click', () => signOut());

/** After a key is entered or found in sessionStorage. */
async function start(): Promise<void> {
  const link = readRangeFromUrl();
  const fromUrl = link.range;
  if (link.problem) linkProblem = `The dates in this link were not used: ${link.problem} Showing the default view instead.`;
  if (!ui.from.value || !ui.to.value) {
    const today = todayIso();
    ui.from.value = addDays(today, -(DEFAULT_DAYS - 1));
    ui.to.value = today;
  }
  setView('loading', 'Checking the API key…');
  ui.boardTitle.focus({ preventScroll: true });
  if (fromUrl) await loadRange(fromUrl);
  else await openLatest();
}

declare global {
  interface Window {
    mspDashboard?: { charts: typeof chartSummaries };
  }
}
window.mspDashboard = { charts: chartSummaries };

const saved = sessionStorage.getItem(KEY_STORAGE);
if (saved) {
  client = new KpiClient(saved);
  void start();
} else {
  setView('signed-out');
}
