import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';
import { insertEntry, insertTicket, OTHER, PARIS, seedKnownData, TABLE_NAMES } from './helpers.js';

interface Exported {
  exports: { generation_path: string; files: { name: string; format: string; rows: number; sha256: string }[] }[];
}

/**
 * `?format=csv|parquet|both`. On PostgreSQL a CSV-only export writes the fact tables from COPY
 * (pg-csv-transcoder.ts), the default export from a cursor (csv-encoder.ts): the files must be the
 * same bytes, so both paths are checked against each other on data full of edge cases.
 */
describe(`export formats (${onPostgres ? 'PostgreSQL: COPY path against the cursor path' : 'PGlite: cursor path'})`, () => {
  let t: TestApp;

  // full=true: every file is written by this export (none carried over from the one before), so
  // that a CSV-only export writes its facts through COPY and is compared with the cursor's bytes.
  async function generate(format?: string): Promise<Exported['exports'][number]> {
    const query = `&full=true${format === undefined ? '' : `&format=${format}`}`;
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/exports/generate?tenant_id=${PARIS}${query}`,
      headers: t.internalHeaders,
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as Exported).exports[0]!;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await createTenant(t.ctx.db, { id: PARIS, name: 'Paris MSP', timezone: 'Europe/Paris' });
    await createTenant(t.ctx.db, { id: OTHER, name: 'Other MSP', timezone: 'America/New_York' });
    await seedKnownData(t.ctx.db);
    // Edge values for the CSV rules: texts that need quoting or formula escaping (also full-width
    // and after a quote), the empty text, `\.` alone, instants before 1970 and at odd milliseconds,
    // durations and amounts printed in exponent form by PostgreSQL (a few ms in minutes, 1e-8).
    const texts = [
      '',
      '\\.',
      '"',
      '""',
      ',',
      '\r',
      '\n',
      '\t tab',
      '＝SUM(A1)',
      '＋1',
      '－1',
      '＠x',
      '="x"',
      'a\r\nb',
      'x'.repeat(3000),
      'naïve ☕ 𝄞',
    ];
    for (const [i, text] of texts.entries()) {
      await insertTicket(t.ctx.db, PARIS, {
        external_id: `edge-${i}`,
        created_at: i % 2 ? '1969-12-31T23:59:59.999Z' : '2026-03-29T00:59:59.001Z',
        first_response_at: i % 2 ? '1970-01-01T00:00:00.001Z' : '2026-03-29T00:59:59.0015Z',
        closed_at: i % 3 ? null : '2026-03-29T01:00:00Z',
        summary: text,
        client_id: `K${i}`,
        client_name: text,
        technician_id: text === '' ? null : text,
        priority: text,
        status: text,
        reopen_count: i * 1_000_003,
      });
      await insertEntry(t.ctx.db, PARIS, {
        external_id: `edge-entry-${i}`,
        technician_id: `T${i}`,
        technician_name: text,
        // billable_amount = billed × rate: 1e-8 (exponent form in PostgreSQL) up to ~1e14.
        hours_worked: [0.0001, 0.1, 23.9999, 0, 1.3333, 24][i % 6]!,
        hours_billed: [null, 0.0001, 999999.9999, 0.0003][i % 4]!,
        hourly_rate: [99999999.9999, 0.0001, null][i % 3]!,
        billable: i % 2 === 0,
        work_date: i % 2 ? null : '1969-12-31',
        started_at: '2026-01-24T23:30:00.123Z',
        ticket_external_id: `edge-${i}`,
        work_type: text,
      });
    }
    // Consecutive months (2025-10 to 2026-01), one of which holds only deleted records: on
    // PostgreSQL one COPY of the four months cut into four files, the empty one the header alone.
    for (const [month, deleted] of [
      ['2025-10', false],
      ['2025-11', true],
      ['2025-12', false],
    ] as const) {
      for (const n of [1, 2]) {
        const id = `month-${month}-${n}`;
        await insertTicket(t.ctx.db, PARIS, {
          external_id: id,
          created_at: `${month}-0${n}T10:00:00Z`,
          client_id: 'C1',
          client_name: 'Acme',
        });
        await insertEntry(t.ctx.db, PARIS, {
          external_id: `${id}-entry`,
          technician_id: 'T1',
          technician_name: 'Tech',
          hours_worked: n,
          billable: true,
          work_date: `${month}-0${n}`,
          started_at: `${month}-0${n}T10:00:00Z`,
          ticket_external_id: id,
        });
        if (deleted) {
          await t.ctx.db.query(`UPDATE raw_tickets SET deleted_at = now() WHERE tenant_id = $1 AND external_id = $2`, [PARIS, id]);
          await t.ctx.db.query(`UPDATE raw_time_entries SET deleted_at = now() WHERE tenant_id = $1 AND external_id = $2`, [
            PARIS,
            `${id}-entry`,
          ]);
        }
      }
    }
  });
  afterAll(async () => {
    await t.close();
    rmSync(t.config.exportsPath, { recursive: true, force: true });
  });

  it('format=csv writes every table as CSV only, the same bytes as the default export', async () => {
    const both = await generate();
    const csvOnly = await generate('csv');
    expect(csvOnly.files.map((f) => f.name)).toEqual(both.files.filter((f) => f.format === 'csv').map((f) => f.name));
    expect(new Set(csvOnly.files.map((f) => f.name.replace(/\/.*|\.csv$/, '')))).toEqual(new Set(TABLE_NAMES));
    for (const file of csvOnly.files) {
      const reference = both.files.find((f) => f.name === file.name)!;
      expect({ name: file.name, rows: file.rows }).toEqual({ name: reference.name, rows: reference.rows });
      const bytes = readFileSync(join(csvOnly.generation_path, file.name), 'utf8');
      expect(bytes, file.name).toBe(readFileSync(join(both.generation_path, file.name), 'utf8'));
      expect(file.sha256).toBe(reference.sha256);
    }
    expect(readdirSync(csvOnly.generation_path, { recursive: true }).filter((name) => String(name).endsWith('.parquet'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(csvOnly.generation_path, 'manifest.json'), 'utf8')) as { files: { format: string }[] };
    expect(manifest.files.map((f) => f.format)).toEqual(csvOnly.files.map(() => 'csv'));
  });

  it('format=parquet writes every table as Parquet only, the same bytes as the default export', async () => {
    const both = await generate('both');
    const parquetOnly = await generate('parquet');
    expect(parquetOnly.files.map((f) => f.name)).toEqual(both.files.filter((f) => f.format === 'parquet').map((f) => f.name));
    for (const file of parquetOnly.files) expect(file.sha256, file.name).toBe(both.files.find((f) => f.name === file.name)!.sha256);
  });

  it('data_as_of is the latest change among the records, or the end of the last successful sync when later, in every format', async () => {
    const db = t.ctx.db;
    const dataAsOf = async (format: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/internal/exports/generate?tenant_id=${PARIS}&format=${format}`,
        headers: t.internalHeaders,
      });
      expect(res.statusCode, res.body).toBe(201);
      const written = (res.json() as { exports: { data_as_of: string | null; generation_path: string }[] }).exports[0]!;
      const manifest = JSON.parse(readFileSync(join(written.generation_path, 'manifest.json'), 'utf8')) as { data_as_of: string | null };
      expect(manifest.data_as_of).toBe(written.data_as_of);
      return written.data_as_of;
    };
    const expectEverywhere = async (expected: string) => {
      for (const format of ['csv', 'parquet', 'both']) expect(await dataAsOf(format), format).toBe(expected);
    };
    // Every record older than the changes below, which are in the future: they are the latest.
    await db.query(`UPDATE raw_tickets SET changed_at = '2030-01-01T00:00:00Z' WHERE tenant_id = $1`, [PARIS]);
    await db.query(`UPDATE raw_time_entries SET changed_at = '2030-01-01T00:00:00Z' WHERE tenant_id = $1`, [PARIS]);
    await db.query(
      `UPDATE raw_time_entries SET changed_at = '2031-05-06T07:08:09.5Z' WHERE tenant_id = $1 AND external_id = 'edge-entry-4'`,
      [PARIS],
    );
    await expectEverywhere('2031-05-06T07:08:09.500Z'); // a time entry
    await db.query(`UPDATE raw_tickets SET changed_at = '2031-05-06T07:08:10.123Z' WHERE tenant_id = $1 AND external_id = 'edge-3'`, [
      PARIS,
    ]);
    await expectEverywhere('2031-05-06T07:08:10.123Z'); // a ticket
    await db.query(
      `INSERT INTO ingestion_runs (tenant_id, entity, source, mode, status, instance_id, finished_at)
       VALUES ($1, 'tickets', 'canonical', 'push', 'failed', 'test', '2033-01-01T00:00:00Z'),
              ($1, 'tickets', 'canonical', 'push', 'succeeded', 'test', '2032-02-03T04:05:06.789Z')`,
      [PARIS],
    );
    await expectEverywhere('2032-02-03T04:05:06.789Z'); // a sync that succeeded later (the failed one does not count)
  });

  it('an unknown format is a 400 problem naming the parameter, and writes nothing', async () => {
    const before = readdirSync(join(t.config.exportsPath, PARIS, 'generations')).length;
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/exports/generate?tenant_id=${PARIS}&format=xlsx`,
      headers: t.internalHeaders,
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatch(/format/);
    expect(readdirSync(join(t.config.exportsPath, PARIS, 'generations')).length).toBe(before);
  });
});
