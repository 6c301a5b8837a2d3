/// <reference lib="dom" />
/**
 * The KPI dashboard in real headless Chromium against the real API (dist/main.js) on a fresh
 * PostgreSQL database with the mock data ingested and January 2026 computed.
 *
 *   npm run build && npm run -w analytics-api test:browser
 *
 * Screenshots and the API's log go to analytics-api/test-artifacts/ (git-ignored).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  apiEnv,
  checkPrerequisites,
  cli,
  createDatabase,
  freePort,
  launchBrowser,
  startApi,
  type ApiProcess,
  type Browser,
  type FreshDatabase,
} from './harness.js';

// Browser globals used inside page.evaluate() callbacks, which run in Chromium, not in Node.
// Declared loosely here (module scope) so that the project's Node type check needs no DOM lib.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const sessionStorage: any;
declare const localStorage: any;
declare const location: any;
type Element = any;
type HTMLElement = any;
type HTMLCanvasElement = any;

const FROM = '2026-01-01';
const TO = '2026-01-31';
/** The day the deployment plan checks; the test also shows a range ending there. */
const PLAN_DAY = '2026-01-24';
const SERVICE_TOKEN = randomBytes(24).toString('hex');

type Kpis = Record<string, number | null>;
interface Group {
  key: string | null;
  label: string | null;
  kpis: Kpis;
}
interface Item {
  tenant_id: string;
  date: string;
  timezone: string;
  computed_at: string;
  data_as_of: string | null;
  kpis: Kpis;
  groups?: Group[];
}
interface Seeded {
  tenants: { id: string; name: string }[];
  api_keys: { tenant_id: string; name: string; key: string }[];
}
interface ChartSummary {
  id: string;
  type: string;
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

let db: FreshDatabase | undefined;
let api: ApiProcess | undefined;
let browser: Browser | undefined;
let exportsDir: string | undefined;
let seeded: Seeded;
let apiKey: string;
let tenantId: string;
let january: Item[];

// ------------------------------------------------------------------ API helpers

async function internal(path: string): Promise<unknown> {
  const res = await fetch(`${api!.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${SERVICE_TOKEN}` } });
  const body = await res.text();
  if (!res.ok) throw new Error(`POST ${path} → ${res.status}: ${body.slice(0, 500)}`);
  return JSON.parse(body);
}

async function v1<T>(path: string): Promise<T> {
  const res = await fetch(`${api!.baseUrl}${path}`, { headers: { 'x-api-key': apiKey } });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${body.slice(0, 500)}`);
  return JSON.parse(body) as T;
}

async function day(date: string): Promise<Item> {
  return v1<Item>(`/v1/kpis/daily?date=${date}`);
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

// ------------------------------------------------------------------ what the page should print (en-US)

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

type Kind = 'count' | 'pct' | 'hours' | 'minutes';

function shown(value: number | null | undefined, kind: Kind): string {
  if (value === null || value === undefined) return '—';
  if (kind === 'count') return count.format(value);
  if (kind === 'pct') return percent.format(value / 100);
  if (kind === 'hours') return `${oneDecimal.format(value)} h`;
  const total = Math.round(value);
  if (total < 60) return `${total} min`;
  if (total < 1440) return total % 60 === 0 ? `${Math.floor(total / 60)} h` : `${Math.floor(total / 60)} h ${total % 60} min`;
  const h = Math.round((total % 1440) / 60);
  return h === 0 ? `${count.format(Math.floor(total / 1440))} d` : `${count.format(Math.floor(total / 1440))} d ${h} h`;
}

const TILES: [string, Kind][] = [
  ['tickets_opened', 'count'],
  ['tickets_closed', 'count'],
  ['backlog_open', 'count'],
  ['first_response_median_minutes', 'minutes'],
  ['sla_response_pct', 'pct'],
  ['sla_resolution_pct', 'pct'],
  ['utilization_pct', 'pct'],
  ['hours_billable', 'hours'],
];

// ------------------------------------------------------------------ page helpers

interface Watched {
  page: Page;
  /** console errors and warnings, and uncaught page errors */
  problems: string[];
  requests: string[];
}

async function openPage(viewport = { width: 1366, height: 768 }): Promise<Watched> {
  const page = await browser!.context.newPage();
  await page.setViewportSize(viewport);
  const watched: Watched = { page, problems: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') watched.problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => watched.problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => watched.requests.push(r.url()));
  const res = await page.goto(`${api!.baseUrl}/dashboard`);
  expect(res?.status()).toBe(200);
  return watched;
}

const state = (page: Page) => page.locator('main').getAttribute('data-state');

/** Waits until the page has finished loading (whatever the outcome). */
async function settled(page: Page): Promise<string | null> {
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    return main?.getAttribute('aria-busy') !== 'true' && main?.dataset['state'] !== 'loading';
  });
  return state(page);
}

async function signIn(page: Page, key: string): Promise<string | null> {
  await page.fill('#api-key', key);
  await page.click('#signin-submit');
  return settled(page);
}

async function showRange(page: Page, from: string, to: string): Promise<string | null> {
  await page.fill('#range-from', from);
  await page.fill('#range-to', to);
  await page.click('#range-apply');
  return settled(page);
}

async function breakdownsReady(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    ['client', 'technician'].every((k) =>
      ['ready', 'empty', 'error'].includes(document.getElementById(`breakdown-${k}`)?.dataset['state'] ?? ''),
    ),
  );
}

interface TableRow {
  label: string;
  values: Record<string, number | null>;
}

async function readTable(
  page: Page,
  kind: 'client' | 'technician',
): Promise<{ columns: string[]; sort: Record<string, string>; rows: TableRow[]; total: TableRow }> {
  return page.evaluate((k) => {
    const table = document.querySelector(`#breakdown-${k} table`)!;
    const ths = [...table.querySelectorAll('thead th')] as HTMLElement[];
    const columns = ths.map((th) => th.dataset['col'] ?? '');
    const sort: Record<string, string> = {};
    for (const th of ths) if (th.getAttribute('aria-sort')) sort[th.dataset['col']!] = th.getAttribute('aria-sort')!;
    const read = (tr: Element) => {
      const cells = [...tr.children] as HTMLElement[];
      const values: Record<string, number | null> = {};
      cells.forEach((c, i) => {
        if (i > 0) values[columns[i]!] = c.dataset['value'] === undefined ? null : Number(c.dataset['value']);
      });
      return { label: cells[0]!.textContent ?? '', values };
    };
    return { columns, sort, rows: [...table.querySelectorAll('tbody tr')].map(read), total: read(table.querySelector('tfoot tr')!) };
  }, kind);
}

/** Range sums per group, computed here independently of the page's code. */
function expectedGroups(items: Item[]): Map<string, { opened: number; closed: number; worked: number; respMet: number; respAll: number }> {
  const out = new Map<string, { opened: number; closed: number; worked: number; respMet: number; respAll: number }>();
  for (const item of items) {
    for (const g of item.groups ?? []) {
      const label = g.label ?? (g.key === null ? '(none)' : g.key);
      const acc = out.get(label) ?? { opened: 0, closed: 0, worked: 0, respMet: 0, respAll: 0 };
      acc.opened += g.kpis['tickets_opened'] ?? 0;
      acc.closed += g.kpis['tickets_closed'] ?? 0;
      acc.worked += g.kpis['hours_worked'] ?? 0;
      acc.respMet += g.kpis['sla_response_met'] ?? 0;
      acc.respAll += (g.kpis['sla_response_met'] ?? 0) + (g.kpis['sla_response_breached'] ?? 0);
      out.set(label, acc);
    }
  }
  return out;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}-viewport.png`) });
}

async function noHorizontalOverflow(page: Page): Promise<void> {
  const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scrollWidth, 'the page itself must not scroll sideways').toBeLessThanOrEqual(innerWidth);
}

/** Every tile's label, value and comparison fits its tile at these desktop widths (no clipped text). */
const DESKTOP_WIDTHS = [1280, 1366, 1440, 1920];

async function clippedTiles(page: Page): Promise<string[]> {
  return page.$$eval('#tiles .tile', (tiles) =>
    tiles.flatMap((tile: HTMLElement) =>
      [tile, ...tile.querySelectorAll('.tile-label, .tile-value, .tile-delta')]
        .filter((el: HTMLElement) => el.scrollWidth > el.clientWidth)
        .map((el: HTMLElement) => `${tile.dataset['kpi']}: "${el.textContent}" (${el.scrollWidth} > ${el.clientWidth} px)`),
    ),
  );
}

async function tilesFitAtDesktopWidths(page: Page): Promise<void> {
  for (const width of DESKTOP_WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(100);
    expect((await clippedTiles(page)).join('; '), `tiles at ${width} px`).toBe('');
  }
  await page.setViewportSize({ width: 1366, height: 768 });
}

// ------------------------------------------------------------------ setup

beforeAll(async () => {
  checkPrerequisites();
  mkdirSync(ARTIFACTS, { recursive: true });
  db = await createDatabase();
  exportsDir = mkdtempSync(join(tmpdir(), 'dash-exports-'));
  const env = apiEnv(db.url, SERVICE_TOKEN, await freePort(), exportsDir);
  cli(['migrate', '--json'], env);
  seeded = JSON.parse(cli(['seed-mock', '--json'], env)) as Seeded;
  expect(seeded.api_keys.length).toBeGreaterThan(0);
  apiKey = seeded.api_keys[0]!.key;
  tenantId = seeded.api_keys[0]!.tenant_id;
  api = await startApi(env);
  await internal(`/internal/ingest/tickets?tenant_id=${tenantId}`);
  await internal(`/internal/ingest/time_entries?tenant_id=${tenantId}`);
  await internal(`/internal/kpi/compute-daily?tenant_id=${tenantId}&from=${FROM}&to=${TO}`);
  january = (await v1<{ items: Item[] }>(`/v1/kpis/daily?from=${FROM}&to=${TO}`)).items.sort((a, b) => a.date.localeCompare(b.date));
  expect(january.map((i) => i.date)).toHaveLength(31);
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await api?.stop().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  if (exportsDir) rmSync(exportsDir, { recursive: true, force: true });
}, 60_000);

// ------------------------------------------------------------------ tests

describe('served by the API itself', () => {
  it('redirects / to /dashboard and serves one HTML, one JS bundle and one CSS under a self-only CSP', async () => {
    const root = await fetch(`${api!.baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard');

    const page = await fetch(`${api!.baseUrl}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from another origin
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/<style|style="/); // no inline style
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]!);
    const js = assets.filter((a) => a.endsWith('.js'));
    const css = assets.filter((a) => a.endsWith('.css'));
    expect(js).toHaveLength(1);
    expect(css).toHaveLength(1);
    for (const [path, type] of [
      [js[0]!, /^text\/javascript/],
      [css[0]!, /^text\/css/],
    ] as const) {
      const res = await fetch(`${api!.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await fetch(`${api!.baseUrl}/dashboard/plugin.js`)).status).toBe(404);
  });
});

describe('a signed-in tenant', () => {
  let w: Watched;

  it('signs in with a key kept in sessionStorage only, and lands on the latest computed 30 days', async () => {
    w = await openPage();
    expect(await state(w.page)).toBe('signed-out');
    expect(await signIn(w.page, apiKey)).toBe('ready');
    // No KPIs after January: the default range is the 30 days ending at the latest computed day.
    expect(await w.page.inputValue('#range-to')).toBe(TO);
    expect(await w.page.inputValue('#range-from')).toBe(addDays(TO, -29));
    const storage = await w.page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    expect(storage.session).toEqual([apiKey]);
    expect(storage.local).toBe(0);
    expect(storage.cookie).toBe('');
    expect(storage.url).not.toContain(apiKey);
    expect(w.requests.filter((u) => u.includes(apiKey))).toEqual([]);
  });

  it("shows the API's numbers in the tiles for the latest day of the range, with the change against the same weekday a week before", async () => {
    expect(await showRange(w.page, FROM, TO)).toBe('ready');
    expect(w.page.url()).toContain(`from=${FROM}&to=${TO}`);
    for (const [date, from] of [
      [TO, FROM],
      [PLAN_DAY, FROM],
    ] as const) {
      if (date !== TO) expect(await showRange(w.page, from, date)).toBe('ready');
      // A Saturday is compared with the Saturday before, not with the Friday.
      const [today, yesterday] = await Promise.all([day(date), day(addDays(date, -7))]);
      expect(await w.page.getAttribute('#tiles', 'data-date')).toBe(date);
      const tiles = await w.page.$$eval('#tiles .tile', (els) =>
        els.map((e) => ({
          kpi: (e as HTMLElement).dataset['kpi'],
          value: (e as HTMLElement).dataset['value'],
          text: e.querySelector('.tile-value')?.textContent ?? '',
          delta: e.querySelector('.tile-delta [aria-hidden="true"]')?.textContent ?? '',
          ref: e.querySelector('.tile-ref')?.textContent ?? '',
          sample: e.querySelector('.tile-sample')?.textContent ?? '',
        })),
      );
      expect(tiles.map((t) => t.kpi)).toEqual(TILES.map(([k]) => k));
      for (const [key, kind] of TILES) {
        const tile = tiles.find((t) => t.kpi === key)!;
        const expected = today.kpis[key] ?? null;
        expect(tile.value === '' ? null : Number(tile.value), `${key} on ${date}`).toBe(expected);
        expect(tile.text.startsWith(shown(expected, kind)), `${key}: "${tile.text}" shows ${shown(expected, kind)}`).toBe(true);
      }
      for (const tile of tiles) expect(tile.ref, tile.kpi).toMatch(/a week before$/);
      // A percentage resting on one or two verdicts says so.
      for (const family of ['response', 'resolution']) {
        const n = (today.kpis[`sla_${family}_met`] ?? 0) + (today.kpis[`sla_${family}_breached`] ?? 0);
        const tile = tiles.find((t) => t.kpi === `sla_${family}_pct`)!;
        expect(tile.sample, `sla_${family} on ${date} (n = ${n})`).toBe(n > 0 && n < 3 ? `from ${n} ticket${n === 1 ? '' : 's'}` : '');
      }
      const diff = (today.kpis['tickets_opened'] ?? 0) - (yesterday.kpis['tickets_opened'] ?? 0);
      const opened = tiles.find((t) => t.kpi === 'tickets_opened')!;
      expect(opened.delta).toContain(diff === 0 ? 'no change' : `${diff > 0 ? '+' : '\u2212'}${Math.abs(diff)}`);
    }
    expect(await showRange(w.page, FROM, TO)).toBe('ready');
    const asOf = await w.page.getAttribute('#freshness', 'data-as-of');
    const latestAsOf =
      january
        .map((i) => i.data_as_of)
        .filter((v): v is string => v !== null)
        .sort((a, b) => Date.parse(a) - Date.parse(b))
        .pop() ?? '';
    expect(asOf).toBe(latestAsOf);
    await expect.poll(() => w.page.locator('#freshness').textContent()).toMatch(/^Data as of /);
  });

  it("draws each chart with the API's daily series", async () => {
    const charts = (await w.page.evaluate(() =>
      (window as unknown as { mspDashboard: { charts(): unknown } }).mspDashboard.charts(),
    )) as ChartSummary[];
    const byId = new Map(charts.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['chart-backlog', 'chart-hours', 'chart-sla', 'chart-tickets']);
    const series = (key: string) => january.map((i) => i.kpis[key] ?? null);
    const expected: Record<string, Record<string, (number | null)[]>> = {
      'chart-tickets': { Opened: series('tickets_opened'), Closed: series('tickets_closed') },
      'chart-backlog': {
        '0–7 days': series('backlog_age_0_7d'),
        '8–14 days': series('backlog_age_8_14d'),
        '15–30 days': series('backlog_age_15_30d'),
        'Over 30 days': series('backlog_age_31d_plus'),
      },
      'chart-sla': {
        'Response met': series('sla_response_pct'),
        'Resolution met': series('sla_resolution_pct'),
        'Target 85 %': january.map(() => 85),
      },
      'chart-hours': {
        'Hours worked': series('hours_worked'),
        'Billable hours': series('hours_billable'),
        Utilization: series('utilization_pct'),
      },
    };
    for (const [id, datasets] of Object.entries(expected)) {
      const chart = byId.get(id)!;
      expect(chart.labels, id).toHaveLength(31);
      expect(Object.fromEntries(chart.datasets.map((d) => [d.label, d.data])), id).toEqual(datasets);
      for (const d of chart.datasets) expect(d.data.filter((v) => v !== null).length, `${id} / ${d.label} has points`).toBeGreaterThan(0);
    }
    // ...and the canvases really are painted.
    const painted = await w.page.$$eval('.chart canvas', (canvases) =>
      canvases.map((c) => {
        const canvas = c as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let ink = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
        return {
          id: canvas.closest('figure')!.id,
          width: canvas.width,
          ink,
          label: canvas.getAttribute('aria-labelledby'),
          desc: document.getElementById(canvas.getAttribute('aria-describedby')!)?.textContent ?? '',
        };
      }),
    );
    expect(painted).toHaveLength(4);
    for (const p of painted) {
      expect(p.width, p.id).toBeGreaterThan(200);
      expect(p.ink, `${p.id} has drawn pixels`).toBeGreaterThan(2_000);
      expect(p.label, p.id).toBeTruthy();
      expect(p.desc.length, `${p.id} has a text description`).toBeGreaterThan(40);
    }
  });

  it('aggregates the per-day groups into breakdown tables by client and technician, sortable by their headings', async () => {
    await breakdownsReady(w.page);
    for (const kind of ['client', 'technician'] as const) {
      expect(await w.page.getAttribute(`#breakdown-${kind}`, 'data-state'), kind).toBe('ready');
      const groups = (await v1<{ items: Item[] }>(`/v1/kpis/daily?from=${FROM}&to=${TO}&group_by=${kind}`)).items;
      const expected = expectedGroups(groups);
      const table = await readTable(w.page, kind);
      expect(await w.page.locator(`#breakdown-${kind} caption`).textContent()).toContain(kind === 'client' ? 'By client' : 'By technician');
      expect(table.rows.length, kind).toBe(expected.size);
      for (const row of table.rows) {
        const e = expected.get(row.label);
        expect(e, `${kind} ${row.label}`).toBeDefined();
        expect(row.values['tickets_opened']).toBe(e!.opened);
        expect(row.values['tickets_closed']).toBe(e!.closed);
        expect(row.values['hours_worked']).toBeCloseTo(e!.worked, 1);
        if (e!.respAll > 0) expect(row.values['sla_response_pct']).toBeCloseTo((100 * e!.respMet) / e!.respAll, 1);
        else expect(row.values['sla_response_pct']).toBeNull();
      }
      // The groups add up to the tenant (kpis.md: additive KPIs over all groups equal the tenant-level value).
      expect(table.total.values['tickets_opened']).toBe(january.reduce((s, i) => s + (i.kpis['tickets_opened'] ?? 0), 0));
      // Hours are rounded to 0.01 per group and day by the API, so their sum may drift by half a hundredth per value.
      const values = groups.reduce((n, i) => n + (i.groups?.length ?? 0), 0);
      const tenantHours = january.reduce((s, i) => s + (i.kpis['hours_worked'] ?? 0), 0);
      expect(Math.abs((table.total.values['hours_worked'] ?? NaN) - tenantHours)).toBeLessThanOrEqual(0.005 * values + 1e-6);

      // Sorting: a click sorts descending, a second click ascending; the heading says so (aria-sort).
      const header = w.page.locator(`#breakdown-${kind} th[data-col="hours_worked"] button`);
      const hours = async () => (await readTable(w.page, kind)).rows.map((r) => r.values['hours_worked'] ?? -1);
      const current = (await readTable(w.page, kind)).sort['hours_worked'];
      await header.click();
      if (current === 'descending') {
        // it was already the default sort: the first click reversed it
        expect((await readTable(w.page, kind)).sort['hours_worked']).toBe('ascending');
        await header.click();
      }
      expect((await readTable(w.page, kind)).sort['hours_worked']).toBe('descending');
      const desc = await hours();
      expect(desc).toEqual([...desc].sort((a, b) => b - a));
      await header.click();
      expect((await readTable(w.page, kind)).sort['hours_worked']).toBe('ascending');
      const asc = await hours();
      expect(asc).toEqual([...asc].sort((a, b) => a - b));
      await w.page.locator(`#breakdown-${kind} th[data-col="label"] button`).click();
      const sorted = await readTable(w.page, kind);
      expect(sorted.sort['label']).toBe('ascending');
      const labels = sorted.rows.map((r) => r.label);
      expect(labels).toEqual([...labels].sort(new Intl.Collator('en-US', { numeric: true, sensitivity: 'base' }).compare));
    }
  });

  it('fits every tile value and label at 1280, 1366, 1440 and 1920 px', async () => {
    for (const to of [TO, PLAN_DAY]) {
      expect(await showRange(w.page, FROM, to)).toBe('ready');
      await tilesFitAtDesktopWidths(w.page);
    }
    await screenshot(w.page, 'dashboard-tiles-1366');
  });

  it('shows every breakdown row on screen and in print: no inner scroll box hides clients', async () => {
    for (const media of ['screen', 'print'] as const) {
      await w.page.emulateMedia({ media });
      for (const kind of ['client', 'technician'] as const) {
        const box = await w.page.$eval(`#breakdown-${kind} .table-wrap`, (el: HTMLElement) => ({
          scroll: el.scrollHeight,
          client: el.clientHeight,
          rows: el.querySelectorAll('tbody tr').length,
        }));
        const note = (await w.page.locator(`#breakdown-${kind} .table-note`).textContent()) ?? '';
        expect(note.startsWith(`${box.rows} ${kind}`), note).toBe(true);
        expect(box.scroll, `${media}: ${kind} table scrolls inside its box`).toBeLessThanOrEqual(box.client + 1);
      }
    }
    await w.page.emulateMedia({ media: 'screen' });
  });

  it('looks right on a laptop (1366×768) and a tablet (820×1180): screenshots saved', async () => {
    await w.page.setViewportSize({ width: 1366, height: 768 });
    await w.page.evaluate(() => window.scrollTo(0, 0));
    await w.page.waitForTimeout(400); // charts follow their container's size
    await noHorizontalOverflow(w.page);
    await screenshot(w.page, 'dashboard-1366x768');
    await w.page.setViewportSize({ width: 820, height: 1180 });
    await w.page.waitForTimeout(400);
    await noHorizontalOverflow(w.page);
    const widths = await w.page.$$eval('.chart canvas', (cs) => cs.map((c) => c.getBoundingClientRect().width));
    for (const width of widths) expect(width).toBeLessThanOrEqual(820);
    await screenshot(w.page, 'dashboard-820x1180');
    await w.page.setViewportSize({ width: 1366, height: 768 });
  });

  it('says so when a range has no KPIs, and keeps the session across a reload', async () => {
    expect(await showRange(w.page, '2020-01-01', '2020-01-31')).toBe('empty');
    expect(await w.page.locator('#empty').textContent()).toContain('No KPIs in this range');
    await w.page.reload();
    expect(await settled(w.page)).toBe('empty'); // same range (from the URL), key still in the tab
    expect(await showRange(w.page, FROM, TO)).toBe('ready');
  });

  it("draws the tenant's kpi_targets as target lines and names the days that missed them", async () => {
    // The configuration is replaced as a whole: keep the tenant's zone and capacity, add targets.
    const headers = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };
    const current = (await (await fetch(`${api!.baseUrl}/internal/tenants/${tenantId}/config`, { headers })).json()) as {
      config: Record<string, unknown>;
    };
    const targets = { sla_response_pct: { min: 90 }, utilization_pct: { min: 70 } };
    const put = await fetch(`${api!.baseUrl}/internal/tenants/${tenantId}/config`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ ...current.config, kpi_targets: targets }),
    });
    expect(put.status).toBe(200);
    await w.page.reload();
    expect(await settled(w.page)).toBe('ready');
    const charts = (await w.page.evaluate(() =>
      (window as unknown as { mspDashboard: { charts(): unknown } }).mspDashboard.charts(),
    )) as ChartSummary[];
    const byId = new Map(charts.map((c) => [c.id, c.datasets]));
    // Percentages are formatted in the browser's locale ("90%" or "90 %"): match the labels by their start.
    const sla = byId.get('chart-sla')!;
    expect(sla.map((d) => d.label.replace(/[\s\u202f]*%/, ' %'))).toEqual([
      'Response met',
      'Resolution met',
      'Response target (at least 90 %)',
    ]);
    expect(sla[2]!.data).toEqual(january.map(() => 90));
    const utilizationTarget = byId.get('chart-hours')!.find((d) => d.label.startsWith('Utilization target'));
    expect(utilizationTarget?.data).toEqual(january.map(() => 70));
    // The days below 70 % utilization, counted here from the API's numbers.
    const below = january.filter((i) => i.kpis['utilization_pct'] !== null && i.kpis['utilization_pct']! < 70).length;
    const counted = january.filter((i) => i.kpis['utilization_pct'] !== null).length;
    const text = (await w.page.locator('#chart-hours-desc').textContent()) ?? '';
    expect(text).toMatch(new RegExp(`Utilization missed its target \\(at least 70[\\s\\u202f]*%\\) on ${below} of ${counted} days`));
  });

  it('logged no console errors, and fetched nothing from another origin', () => {
    expect(w.problems).toEqual([]);
    expect(w.requests.filter((u) => !u.startsWith(`${api!.baseUrl}/`))).toEqual([]);
  });

  it('signs out and forgets the key', async () => {
    await w.page.click('#sign-out');
    expect(await state(w.page)).toBe('signed-out');
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
    await w.page.close();
  });
});

describe('error and empty states', () => {
  it('a PSA sync that the PSA refused shows a banner above the KPIs (GET /v1/sync-status)', async () => {
    // The tenant's connection row as a failed sync leaves it (the secret is never read by this page).
    const client = new pg.Client({ connectionString: db!.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO psa_connections (tenant_id, psa, base_url, secret_sealed, secret_key_id, last_sync_at, last_sync_status, last_sync_error)
         VALUES ($1, 'connectwise', 'https://psa.example', 'v1.x.y.z', 'deadbeef', now(), 'credentials_refused', 'HTTP 401')`,
        [tenantId],
      );
      const w = await openPage();
      expect(await signIn(w.page, apiKey)).toBe('ready');
      const banner = w.page.locator('#sync-banner');
      await banner.waitFor({ state: 'visible' });
      expect(await banner.textContent()).toContain('ConnectWise PSA refused the credentials');
      await w.page.screenshot({ path: join(ARTIFACTS, 'dashboard-sync-banner.png') });
      expect(w.problems).toEqual([]);
      await w.page.close();
    } finally {
      await client.query('DELETE FROM psa_connections WHERE tenant_id = $1', [tenantId]);
      await client.end();
    }
  });

  it('a wrong key shows "This API key was refused"', async () => {
    const w = await openPage();
    expect(await signIn(w.page, `msp_${randomBytes(16).toString('hex')}`)).toBe('signed-out');
    const error = w.page.locator('#signin-error');
    expect(await error.isVisible()).toBe(true);
    expect(await error.textContent()).toContain('This API key was refused');
    expect(await w.page.getAttribute('#api-key', 'aria-invalid')).toBe('true');
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
    await w.page.screenshot({ path: join(ARTIFACTS, 'dashboard-wrong-key.png') });
    // The browser reports the refused request itself; nothing else may be logged.
    expect(w.problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    await w.page.close();
  });

  it('a tenant whose KPIs were never computed sees "No KPIs computed yet"', async () => {
    const other = seeded.api_keys.find((k) => k.tenant_id !== tenantId);
    if (!other) return; // the mock data has a single tenant
    const w = await openPage();
    expect(await signIn(w.page, other.key)).toBe('empty');
    expect(await w.page.locator('#empty-title').textContent()).toBe('No KPIs computed yet');
    await w.page.screenshot({ path: join(ARTIFACTS, 'dashboard-no-kpis.png') });
    expect(w.problems).toEqual([]);
    await w.page.close();
  });

  it('an all-zero "yesterday" computed after the data ends does not take the default view over', async () => {
    // The last seeded tenant (not the one of "never computed" above): January, then the compute job's default day.
    const other = seeded.api_keys[seeded.api_keys.length - 1]!;
    expect(other.tenant_id).not.toBe(tenantId);
    await internal(`/internal/ingest/tickets?tenant_id=${other.tenant_id}`);
    await internal(`/internal/ingest/time_entries?tenant_id=${other.tenant_id}`);
    await internal(`/internal/kpi/compute-daily?tenant_id=${other.tenant_id}&from=${FROM}&to=${TO}`);
    const yesterday = (await internal(`/internal/kpi/compute-daily?tenant_id=${other.tenant_id}`)) as Item;
    expect(yesterday.date > TO).toBe(true);
    expect(yesterday.kpis['tickets_opened']).toBe(0);
    const w = await openPage();
    expect(await signIn(w.page, other.key)).toBe('ready');
    expect(await w.page.inputValue('#range-to')).toBe(TO);
    expect(await w.page.inputValue('#range-from')).toBe(addDays(TO, -29));
    const notice = w.page.locator('#notice');
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toMatch(/The latest computed day, .*, has no activity.*the latest day with activity/);
    await screenshot(w.page, 'dashboard-empty-yesterday');
    // The empty day itself: every tile says why it has no value, and that fits too.
    expect(await showRange(w.page, addDays(yesterday.date, -29), yesterday.date)).toBe('ready');
    await tilesFitAtDesktopWidths(w.page);
    expect(w.problems).toEqual([]);
    await w.page.close();
  });

  it.each([
    ['from after to', 'from=2026-01-31&to=2026-01-01', 'The start date must not be after the end date.'],
    ['more than 366 days', 'from=2024-01-01&to=2026-01-31', 'Choose at most 366 days.'],
    ['garbage', 'from=yesterday&to=2026-13-45', 'Enter both dates.'],
  ])("a link with invalid dates (%s) says why, with the form's words, and shows the default view", async (_name, query, message) => {
    const w = await openPage();
    await w.page.goto(`${api!.baseUrl}/dashboard?${query}`);
    expect(await signIn(w.page, apiKey)).toBe('ready');
    expect(await w.page.inputValue('#range-to')).toBe(TO);
    const notice = w.page.locator('#notice');
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toContain(`The dates in this link were not used: ${message}`);
    expect(w.problems).toEqual([]);
    await w.page.close();
  });

  it('an unreachable API shows the error state, and Try again recovers', async () => {
    const w = await openPage({ width: 820, height: 1180 });
    expect(await signIn(w.page, apiKey)).toBe('ready');
    await w.page.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await w.page.click('#refresh');
    expect(await settled(w.page)).toBe('error');
    expect(await w.page.locator('#problem-text').textContent()).toContain('could not be reached');
    await w.page.screenshot({ path: join(ARTIFACTS, 'dashboard-unreachable.png') });
    await w.page.unroute('**/v1/**');
    await w.page.click('#retry');
    expect(await settled(w.page)).toBe('ready');
    expect(w.problems.filter((p) => !/ERR_CONNECTION_REFUSED|ERR_FAILED/.test(p))).toEqual([]);
    await w.page.close();
  });
});
