import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { currentFile, insertTicket, PARIS, readCsv, readParquet } from './helpers.js';

/** Ticket durations in the facts are rounded to 2 decimals like every other exported value. */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await createTenant(t.ctx.db, { id: PARIS, name: 'Paris MSP', timezone: 'Europe/Paris' });
  // 191 min 32 s to the first response (191.5333… min); 1 h 0 min 20 s to close (1.00555… h).
  await insertTicket(t.ctx.db, PARIS, {
    external_id: 'T1',
    created_at: '2026-01-20T10:00:00Z',
    first_response_at: '2026-01-20T13:11:32Z',
    closed_at: '2026-01-20T11:00:20Z',
  });
});
afterAll(async () => {
  await t.close();
  rmSync(t.config.exportsPath, { recursive: true, force: true });
});

describe('fact_tickets durations', () => {
  // format=csv alone takes the COPY path on PostgreSQL (no JavaScript sees the rows); both writes Parquet too.
  it.each(['csv', 'both'])('are rounded to 2 decimals (format=%s)', async (format) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/exports/generate?tenant_id=${PARIS}&format=${format}`,
      headers: t.internalHeaders,
    });
    expect(res.statusCode, res.body).toBe(201);
    const [row] = readCsv(currentFile(t.config.exportsPath, PARIS, 'fact_tickets.csv'));
    expect(row).toMatchObject({ first_response_minutes: '191.53', resolution_hours: '1.01' });
    if (format === 'both') {
      const [cells] = await readParquet(currentFile(t.config.exportsPath, PARIS, 'fact_tickets.parquet'));
      expect(cells).toMatchObject({ first_response_minutes: 191.53, resolution_hours: 1.01 });
    }
  });
});
