/**
 * The morning report's HTML (GET /internal/reports/daily) in real headless Chromium, with every
 * network request blocked: it must render from the message alone — no console error, no request
 * leaving the page (mail clients block external images and scripts) — and look like something.
 *
 *   npm run build && npm run -w analytics-api test:browser
 *
 * Screenshots go to analytics-api/test-artifacts/ (git-ignored).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const FROM = '2026-01-18';
const DAY = '2026-01-24';
/** The address the report is served from inside Chromium (never resolved: the route answers it). */
const PAGE_URL = 'http://report.test/';

let db: FreshDatabase | undefined;
let api: ApiProcess | undefined;
let browser: Browser | undefined;
let exportsDir: string | undefined;
let tenantId: string;
/** The days as the compute call answered them: the objects of /v1/kpis/daily. */
let computed: { date: string; kpis: Record<string, number | null> }[];

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${api!.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

beforeAll(async () => {
  checkPrerequisites();
  mkdirSync(ARTIFACTS, { recursive: true });
  db = await createDatabase();
  exportsDir = mkdtempSync(join(tmpdir(), 'report-exports-'));
  const env = apiEnv(db.url, SERVICE_TOKEN, await freePort(), exportsDir);
  cli(['migrate', '--json'], env);
  const seeded = JSON.parse(cli(['seed-mock', '--json'], env)) as { tenants: { id: string }[] };
  tenantId = seeded.tenants[0]!.id;
  api = await startApi(env);
  await call('POST', `/internal/ingest/tickets?tenant_id=${tenantId}`);
  await call('POST', `/internal/ingest/time_entries?tenant_id=${tenantId}`);
  // A target every day misses (no MSP opens a million tickets a day), so the report lists a breach.
  const config = (await call('GET', `/internal/tenants/${tenantId}/config`)).config;
  await call('PUT', `/internal/tenants/${tenantId}/config`, {
    ...config,
    language: 'fr',
    kpi_targets: { tickets_opened: { min: 1_000_000 } },
  });
  computed = (await call('POST', `/internal/kpi/compute-daily?tenant_id=${tenantId}&from=${FROM}&to=${DAY}`)).items;
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await api?.stop().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  if (exportsDir) rmSync(exportsDir, { recursive: true, force: true });
}, 60_000);

describe('the morning report in Chromium, network blocked', () => {
  for (const lang of ['fr', 'en'] as const) {
    it(`renders the ${lang} report without a console error or any request, with the trend drawn`, async () => {
      const report = await call('GET', `/internal/reports/daily?tenant_id=${tenantId}&date=${DAY}&lang=${lang}`);
      expect(report.status).toBe('breached');
      const page = await browser!.context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      // Every request goes through here: the report page itself is answered, anything else is recorded and refused.
      await page.route('**/*', async (route) => {
        const url = route.request().url();
        if (url === PAGE_URL) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: report.html });
        requests.push(url);
        return route.abort('blockedbyclient');
      });
      await page.goto(PAGE_URL, { waitUntil: 'load' });
      await page.waitForTimeout(300);

      const seen = await page.evaluate(() => {
        const svg = document.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          title: document.title,
          scripts: document.querySelectorAll('script').length,
          images: document.querySelectorAll('img').length,
          bars: document.querySelectorAll('svg rect').length,
          svgBox: box ? { width: box.width, height: box.height } : null,
          tiles: Object.fromEntries(
            [...document.querySelectorAll('[data-kpi]')].map((e: any) => [e.getAttribute('data-kpi'), e.textContent]),
          ),
          text: document.body.innerText,
        };
      });
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(join(ARTIFACTS, `report-${lang}.png`), shot);
      await page.close();

      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      expect(seen.scripts).toBe(0);
      expect(seen.images).toBe(0);
      expect(seen.title).toBe(report.subject);
      expect(seen.svgBox!.width).toBeGreaterThan(300);
      expect(seen.svgBox!.height).toBeGreaterThan(100);
      expect(seen.bars).toBeGreaterThan(2); // the legend's two squares, then at least one bar
      // The tiles print the numbers of /v1/kpis/daily (the same serializer), in the language's decimal form.
      const kpis = computed.find((d) => d.date === DAY)!.kpis;
      const decimal = (v: number | null | undefined) =>
        v === null || v === undefined ? '—' : lang === 'fr' ? String(v).replace('.', ',') : String(v);
      expect(seen.tiles.tickets_opened).toBe(decimal(kpis.tickets_opened));
      expect(seen.tiles.backlog_open).toBe(decimal(kpis.backlog_open));
      expect(seen.tiles.sla_response_pct).toBe(
        kpis.sla_response_pct === null || kpis.sla_response_pct === undefined ? '—' : `${decimal(kpis.sla_response_pct)} %`,
      );
      expect(seen.text).toContain(lang === 'fr' ? 'Objectifs manqués' : 'Targets missed');
      // A screenshot with content: a PNG of the full page, far bigger than a blank one.
      expect(shot.subarray(1, 4).toString()).toBe('PNG');
      expect(shot.length).toBeGreaterThan(15_000);
    });
  }
});
