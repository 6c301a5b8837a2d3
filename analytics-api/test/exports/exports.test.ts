import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeKpis } from '../../src/kpi/kpi-keys.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  asCsvText,
  csvHeader,
  currentFile,
  OTHER,
  PARIS,
  parquetSchemaOf,
  readCsv,
  readParquet,
  seedKnownData,
  sha256,
  TABLE_NAMES,
  TRICKY_CLIENTS,
  unescapeFormula,
  type Cells,
} from './helpers.js';

interface ManifestColumn {
  name: string;
  type: string;
  nullable: boolean;
}
interface Manifest {
  tenant_id: string;
  timezone: string;
  generation: string;
  generated_at: string;
  data_as_of: string | null;
  files: { name: string; table: string; format: string; rows: number; bytes: number; sha256: string; columns: ManifestColumn[] }[];
}

const isoDay = (value: unknown) => (value as Date).toISOString().slice(0, 10);
const sum = (values: unknown[]) => values.reduce<number>((total, value) => total + Number(value ?? 0), 0);

describe('POST /internal/exports/generate', () => {
  let t: TestApp;
  let exportsPath: string;
  let body: {
    generated_at: string;
    exports: {
      tenant_id: string;
      path: string;
      generation: string;
      generation_path: string;
      data_as_of: string | null;
      files: { name: string; format: string; rows: number; bytes: number; sha256: string }[];
      pruned: string[];
    }[];
  };
  let manifest: Manifest;
  const parquet = new Map<string, Cells[]>();
  const csv = new Map<string, Record<string, string>[]>();
  const file = (name: string) => currentFile(exportsPath, PARIS, name);

  beforeAll(async () => {
    t = await createTestApp();
    exportsPath = t.config.exportsPath;
    await createTenant(t.ctx.db, { id: PARIS, name: 'Paris MSP', timezone: 'Europe/Paris' });
    await createTenant(t.ctx.db, { id: OTHER, name: 'Other MSP', timezone: 'America/New_York' });
    await seedKnownData(t.ctx.db);

    const res = await t.app.inject({ method: 'POST', url: `/internal/exports/generate?tenant_id=${PARIS}`, headers: t.internalHeaders });
    expect(res.statusCode, res.body).toBe(201);
    body = res.json();
    manifest = JSON.parse(readFileSync(file('manifest.json'), 'utf8')) as Manifest;
    for (const table of TABLE_NAMES) {
      parquet.set(table, await readParquet(file(`${table}.parquet`)));
      csv.set(table, readCsv(file(`${table}.csv`)));
    }
  });
  afterAll(async () => {
    await t.close();
    rmSync(exportsPath, { recursive: true, force: true });
  });

  const columnsOf = (table: string) => manifest.files.find((f) => f.table === table && f.format === 'parquet')!.columns;

  it('answers 201 with every file written, under the stable current folder', () => {
    expect(body.exports).toHaveLength(1);
    const [only] = body.exports;
    expect(only!.tenant_id).toBe(PARIS);
    expect(only!.path).toBe(join(exportsPath, PARIS, 'current'));
    expect(readlinkSync(only!.path)).toBe(`generations/${only!.generation}`);
    expect(only!.generation_path).toBe(join(exportsPath, PARIS, 'generations', only!.generation));
    // Fact tables are folders of month files (fact_tickets/2026-01.csv, …), the others single files.
    const names = new Set(only!.files.map((f) => f.name.replace(/^(fact_[a-z_]+)\/\d{4}-\d{2}\./, '$1.')));
    expect(names).toEqual(new Set(TABLE_NAMES.flatMap((table) => [`${table}.csv`, `${table}.parquet`])));
    expect(
      only!.files.filter((f) => f.name.startsWith('fact_')).every((f) => /^fact_[a-z_]+\/\d{4}-\d{2}\.(csv|parquet)$/.test(f.name)),
    ).toBe(true);
    expect(Date.parse(body.generated_at)).not.toBeNaN();
  });

  it('lists sizes and SHA-256 that match the files, in the response and in manifest.json', () => {
    for (const listed of body.exports[0]!.files) {
      const path = file(listed.name);
      expect(statSync(path).size, listed.name).toBe(listed.bytes);
      expect(sha256(path), listed.name).toBe(listed.sha256);
      const inManifest = manifest.files.find((f) => f.name === listed.name)!;
      expect(inManifest).toMatchObject({ rows: listed.rows, bytes: listed.bytes, sha256: listed.sha256, format: listed.format });
    }
    expect(manifest.tenant_id).toBe(PARIS);
    expect(manifest.timezone).toBe('Europe/Paris');
    expect(manifest.generation).toBe(body.exports[0]!.generation);
    expect(Date.parse(manifest.generated_at)).not.toBeNaN();
    expect(manifest.data_as_of).not.toBeNull();
    expect(manifest.data_as_of).toBe(body.exports[0]!.data_as_of);
  });

  it('describes every column in the manifest, in the order of the CSV header and the Parquet schema', async () => {
    for (const table of TABLE_NAMES) {
      const columns = columnsOf(table);
      expect(csvHeader(file(`${table}.csv`))).toEqual(columns.map((c) => c.name));
      const { columns: schema } = await parquetSchemaOf(file(`${table}.parquet`));
      expect(schema.map((element) => element.name)).toEqual(columns.map((c) => c.name));
    }
  });

  it('types the Parquet columns: DATE, TIMESTAMP_MILLIS, INT32, DOUBLE, BOOLEAN, UTF8', async () => {
    const { columns } = await parquetSchemaOf(file('fact_tickets.parquet'));
    const byName = new Map(columns.map((element) => [element.name, element]));
    expect(byName.get('created_at')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' });
    expect(byName.get('created_at')!.logical_type).toMatchObject({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' });
    expect(byName.get('created_date')).toMatchObject({ type: 'INT32', converted_type: 'DATE' });
    expect(byName.get('reopen_count')).toMatchObject({ type: 'INT32' });
    expect(byName.get('first_response_minutes')).toMatchObject({ type: 'DOUBLE', repetition_type: 'OPTIONAL' });
    expect(byName.get('sla_response_met')).toMatchObject({ type: 'BOOLEAN' });
    expect(byName.get('summary')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    const kpi = new Map((await parquetSchemaOf(file('kpi_daily.parquet'))).columns.map((element) => [element.name, element]));
    expect(kpi.get('date_key')).toMatchObject({ type: 'INT32', converted_type: 'DATE' });
    expect(kpi.get('tickets_opened')).toMatchObject({ type: 'INT32' });
    expect(kpi.get('kill_rate_pct')).toMatchObject({ type: 'DOUBLE' });
  });

  it('has as many rows as the database, one per ticket, entry, day and group (deduplicated)', async () => {
    const count = async (sql: string) => Number((await t.ctx.db.query<{ n: number }>(sql, [PARIS])).rows[0]!.n);
    const expected: Record<string, number> = {
      fact_tickets: await count('SELECT count(*) AS n FROM raw_tickets WHERE tenant_id = $1'),
      fact_time_entries: await count('SELECT count(*) AS n FROM raw_time_entries WHERE tenant_id = $1'),
      kpi_daily: await count('SELECT count(*) AS n FROM kpi_daily WHERE tenant_id = $1'),
      kpi_daily_by_client: await count(`SELECT count(*) AS n FROM kpi_daily_breakdown WHERE tenant_id = $1 AND dimension = 'client'`),
      kpi_daily_by_technician: await count(
        `SELECT count(*) AS n FROM kpi_daily_breakdown WHERE tenant_id = $1 AND dimension = 'technician'`,
      ),
      kpi_daily_by_priority: await count(`SELECT count(*) AS n FROM kpi_daily_breakdown WHERE tenant_id = $1 AND dimension = 'priority'`),
    };
    expect(expected.fact_tickets).toBe(7);
    for (const [table, rows] of Object.entries(expected)) {
      expect(parquet.get(table), table).toHaveLength(rows);
      expect(csv.get(table), table).toHaveLength(rows);
      const listed = (format: string) =>
        body.exports[0]!.files.filter((f) => f.name.match(/^[a-z_]+/)![0] === table && f.format === format);
      expect(
        ['csv', 'parquet'].map((format) => listed(format).reduce((sum, f) => sum + f.rows, 0)),
        table,
      ).toEqual([rows, rows]);
    }
    const keys = (table: string, columns: string[]) => parquet.get(table)!.map((row) => columns.map((c) => String(row[c])).join('|'));
    for (const [table, key] of [
      ['fact_tickets', ['ticket_key']],
      ['fact_time_entries', ['time_entry_key']],
      ['kpi_daily', ['date_key']],
      ['kpi_daily_by_client', ['date_key', 'client_key']],
      ['dim_client', ['client_key']],
      ['dim_technician', ['technician_key']],
      ['dim_date', ['date_key']],
    ] as const) {
      const all = keys(table, [...key]);
      expect(new Set(all).size, table).toBe(all.length);
    }
    // The re-ingested ticket A is there once, with its latest values.
    const a = parquet.get('fact_tickets')!.filter((row) => row.ticket_key === 'A');
    expect(a).toHaveLength(1);
    expect(a[0]!.summary).toBe('second version');
  });

  it('gives the same data in CSV and in Parquet, cell by cell', () => {
    for (const table of TABLE_NAMES) {
      const columns = columnsOf(table);
      const fromParquet = parquet.get(table)!;
      const fromCsv = csv.get(table)!;
      expect(fromCsv.length, table).toBe(fromParquet.length);
      fromParquet.forEach((row, i) => {
        for (const column of columns) {
          const cell = fromCsv[i]![column.name]!;
          const expected = asCsvText(row[column.name], column.type);
          const actual = column.type === 'string' ? unescapeFormula(cell) : cell;
          expect(actual, `${table}[${i}].${column.name}`).toBe(expected);
        }
      });
    }
  });

  it('exports only the tenant asked for', () => {
    const tickets = parquet.get('fact_tickets')!.map((row) => row.ticket_key);
    expect(tickets).not.toContain('OTHER-1');
    expect(parquet.get('dim_client')!.map((row) => row.client_key)).not.toContain('X1');
    expect(existsSync(join(exportsPath, OTHER))).toBe(false);
  });

  it('sums hours, amounts and counts like the database', async () => {
    const { rows } = await t.ctx.db.query<{ worked: number; billable: number; billed: number; amount: number; reopens: number }>(
      `SELECT (SELECT sum(hours_worked) FROM raw_time_entries WHERE tenant_id = $1) AS worked,
              (SELECT sum(hours_worked) FROM raw_time_entries WHERE tenant_id = $1 AND billable) AS billable,
              (SELECT sum(COALESCE(hours_billed, hours_worked)) FROM raw_time_entries WHERE tenant_id = $1 AND billable) AS billed,
              (SELECT sum(COALESCE(hours_billed, hours_worked) * hourly_rate) FROM raw_time_entries WHERE tenant_id = $1 AND billable) AS amount,
              (SELECT sum(reopen_count) FROM raw_tickets WHERE tenant_id = $1) AS reopens`,
      [PARIS],
    );
    const db = rows[0]!;
    expect(db.worked).toBe(8.5);
    for (const source of [parquet, csv] as Map<string, Cells[]>[]) {
      const entries = source.get('fact_time_entries')!;
      expect(sum(entries.map((row) => row.hours_worked))).toBeCloseTo(db.worked, 9);
      expect(sum(entries.map((row) => row.hours_billable))).toBeCloseTo(db.billable, 9);
      expect(sum(entries.map((row) => row.hours_billed))).toBeCloseTo(db.billed, 9);
      expect(sum(entries.map((row) => row.billable_amount))).toBeCloseTo(db.amount, 9);
      expect(sum(source.get('fact_tickets')!.map((row) => row.reopen_count))).toBe(db.reopens);
    }
  });

  it('resolves local dates in the tenant time zone (entry_date: work_date, else the local date of started_at)', () => {
    const tickets = new Map(parquet.get('fact_tickets')!.map((row) => [row.ticket_key, row]));
    expect(isoDay(tickets.get('A')!.created_date)).toBe('2026-01-24');
    expect((tickets.get('A')!.created_at as Date).toISOString()).toBe('2026-01-23T23:30:00.000Z');
    expect(isoDay(tickets.get('B')!.created_date)).toBe('2026-01-24');
    expect(isoDay(tickets.get('B')!.closed_date)).toBe('2026-01-25');
    expect(tickets.get('B')!.resolution_hours).toBe(0.5);
    expect(tickets.get('A')!.first_response_minutes).toBe(45);
    expect(tickets.get('G')!.resolution_hours).toBeNull();
    // SLA verdicts as the KPIs count them: the source flag, else the due date, else none.
    expect(tickets.get('A')!.sla_response_met).toBe(true);
    expect(tickets.get('B')!.sla_resolution_met).toBe(false);
    expect(tickets.get('C')!.sla_response_met).toBe(true);
    expect(tickets.get('D')!.sla_response_met).toBeNull();

    const entries = new Map(parquet.get('fact_time_entries')!.map((row) => [row.time_entry_key, row]));
    expect(isoDay(entries.get('E1')!.entry_date)).toBe('2026-01-24');
    expect(isoDay(entries.get('E2')!.entry_date)).toBe('2026-01-25');
    expect(entries.get('E2')!.work_date).toBeNull();
    expect(entries.get('E3')!.client_key).toBe('C2');
    expect(entries.get('E3')).toMatchObject({ hours_worked: 0.75, hours_billable: 0.75, hours_billed: 1, billable_amount: 0 });
    expect(entries.get('E2')).toMatchObject({ hours_billable: 0, hours_billed: 0, billable_amount: 0 });
    expect(entries.get('E4')!.billable_amount).toBe(322);

    const csvTickets = new Map(csv.get('fact_tickets')!.map((row) => [row.ticket_key, row]));
    expect(csvTickets.get('B')).toMatchObject({
      created_date: '2026-01-24',
      closed_date: '2026-01-25',
      closed_at: '2026-01-24T23:15:00.000Z',
    });
  });

  it('exports the KPIs of a known day rounded like the API (half away from zero, 2 decimals)', async () => {
    const day = parquet.get('kpi_daily')!.find((row) => isoDay(row.date_key) === '2026-01-24')!;
    expect(day).toMatchObject({
      tickets_opened: 2,
      tickets_closed: 6,
      net_flow: -4,
      kill_rate_pct: 300,
      first_response_avg_minutes: 45.01,
      first_response_median_minutes: 1.01,
      resolution_avg_hours: 0.67,
      resolution_median_hours: null,
      same_day_close_pct: 33.33,
      reopen_rate_pct: null,
      utilization_pct: 20.31,
      effective_hourly_rate: 76.92,
    });
    // The same values as the API's serializer applied to the stored row.
    const { rows } = await t.ctx.db.query(`SELECT * FROM kpi_daily WHERE tenant_id = $1 AND kpi_date = '2026-01-24'`, [PARIS]);
    const api = serializeKpis(rows[0]!);
    for (const [key, value] of Object.entries(api)) expect(day[key], key).toBe(value);

    const csvDay = csv.get('kpi_daily')!.find((row) => row.date_key === '2026-01-24')!;
    for (const [key, value] of Object.entries(api)) expect(csvDay[key], key).toBe(value === null ? '' : String(value));
  });

  it('escapes text cells against formula injection but leaves negative numbers as numbers', () => {
    const raw = readFileSync(file('dim_client.csv'), 'utf8');
    expect(raw.startsWith('\uFEFFclient_key,client_name\r\n')).toBe(true);
    expect(raw).toContain(`C1,"'=HYPERLINK(""x"")"\r\n`);
    expect(raw).toContain(`C2,'+1\r\n`);
    expect(raw).toContain(`C3,'-2\r\n`);
    expect(raw).toContain(`C4,'@x\r\n`);
    expect(raw).toContain(`C5,"Acme, ""Quoted""\r\nSecond line"\r\n`);
    // Parquet keeps the values as they are.
    const names = new Map(parquet.get('dim_client')!.map((row) => [row.client_key, row.client_name]));
    for (const client of TRICKY_CLIENTS) expect(names.get(client.id)).toBe(client.name);
    expect(names.get('C9')).toBe('Only In Kpis');
    // csv-parse gives the escaped text back.
    expect(csv.get('dim_client')!.find((row) => row.client_key === 'C3')!.client_name).toBe("'-2");

    const kpiCsv = readFileSync(file('kpi_daily.csv'), 'utf8');
    expect(kpiCsv).toMatch(/^2026-01-24,2,6,-4,300,/m);
    expect(kpiCsv).not.toContain("'-4");
    const byClient = readFileSync(file('kpi_daily_by_client.csv'), 'utf8');
    expect(byClient).toMatch(/^2026-01-24,,\(none\),1,0,-3,/m);
    expect(csv.get('fact_tickets')!.find((row) => row.ticket_key === 'B')!.summary).toBe("'-5 degrees in the server room");
    expect(parquet.get('kpi_daily_by_client')!.find((row) => row.client_key === null)!.net_flow).toBe(-3);
  });

  it('builds dim_date over whole years with ISO weeks and weekday names', () => {
    const days = parquet.get('dim_date')!;
    expect(days).toHaveLength(365);
    expect(isoDay(days[0]!.date_key)).toBe('2026-01-01');
    expect(isoDay(days.at(-1)!.date_key)).toBe('2026-12-31');
    const saturday = days.find((row) => isoDay(row.date_key) === '2026-01-24')!;
    expect(saturday).toMatchObject({
      year: 2026,
      quarter: 1,
      month: 1,
      month_name: 'January',
      month_short: 'Jan',
      year_month: '2026-01',
      day_of_month: 24,
      day_of_year: 24,
      iso_year: 2026,
      iso_week: 4,
      iso_year_week: '2026-W04',
      weekday: 6,
      weekday_name: 'Saturday',
      is_weekend: true,
    });
    const first = days[0]!;
    expect(first).toMatchObject({ iso_year: 2026, iso_week: 1, weekday: 4, weekday_name: 'Thursday', is_weekend: false });
    // Every date of the facts and KPIs is in the calendar (relationships never miss).
    const calendar = new Set(days.map((row) => isoDay(row.date_key)));
    for (const [table, column] of [
      ['fact_tickets', 'created_date'],
      ['fact_tickets', 'closed_date'],
      ['fact_time_entries', 'entry_date'],
      ['kpi_daily', 'date_key'],
    ] as const) {
      for (const row of parquet.get(table)!) if (row[column] !== null) expect(calendar.has(isoDay(row[column]))).toBe(true);
    }
  });

  it('has a dimension row for every client and technician key of the facts and KPIs', () => {
    const clients = new Set(parquet.get('dim_client')!.map((row) => row.client_key));
    const technicians = new Set(parquet.get('dim_technician')!.map((row) => row.technician_key));
    for (const table of ['fact_tickets', 'fact_time_entries', 'kpi_daily_by_client']) {
      for (const row of parquet.get(table)!)
        if (row.client_key !== null) expect(clients.has(row.client_key), String(row.client_key)).toBe(true);
    }
    for (const table of ['fact_tickets', 'fact_time_entries', 'kpi_daily_by_technician']) {
      for (const row of parquet.get(table)!) {
        if (row.technician_key !== null) expect(technicians.has(row.technician_key), String(row.technician_key)).toBe(true);
      }
    }
    expect(parquet.get('dim_technician')!.find((row) => row.technician_key === 'U3')!.technician_name).toBe('Tech Three');
  });

  it('keeps EXPORTS_KEEP generations (3 by default), current always the newest', async () => {
    const generations = [body.exports[0]!.generation];
    for (let i = 0; i < 3; i += 1) {
      const res = await t.app.inject({ method: 'POST', url: `/internal/exports/generate?tenant_id=${PARIS}`, headers: t.internalHeaders });
      expect(res.statusCode).toBe(201);
      generations.push(res.json().exports[0].generation);
      if (i === 2) expect(res.json().exports[0].pruned).toEqual([generations[0]]);
    }
    const kept = readdirSync(join(exportsPath, PARIS, 'generations')).sort();
    expect(kept).toEqual(generations.slice(1).sort());
    expect(readlinkSync(join(exportsPath, PARIS, 'current'))).toBe(`generations/${generations.at(-1)}`);
    // The same data gives byte-identical files from one generation to the next.
    const [older, newer] = [generations[1]!, generations[3]!].map((g) =>
      sha256(join(exportsPath, PARIS, 'generations', g, 'fact_tickets.parquet')),
    );
    expect(newer).toBe(older);
  });

  it('exports every active tenant when no tenant_id is given, including one without data', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/internal/exports/generate', headers: t.internalHeaders });
    expect(res.statusCode).toBe(201);
    const tenants = res
      .json()
      .exports.map((e: { tenant_id: string }) => e.tenant_id)
      .sort();
    expect(tenants).toEqual([PARIS, OTHER].sort());
    const other = await readParquet(currentFile(exportsPath, OTHER, 'fact_tickets.parquet'));
    expect(other.map((row) => row.ticket_key)).toEqual(['OTHER-1']);
    // A tenant's first time zone matters: OTHER is in New York.
    expect(isoDay(other[0]!.created_date)).toBe('2025-05-31');
    const empty = await readParquet(currentFile(exportsPath, OTHER, 'kpi_daily.parquet'));
    expect(empty).toEqual([]);
    expect(readCsv(currentFile(exportsPath, OTHER, 'kpi_daily.csv'))).toEqual([]);
    expect(csvHeader(currentFile(exportsPath, OTHER, 'kpi_daily.csv'))[0]).toBe('date_key');
  });

  it('is documented in the OpenAPI description with its 201 body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    const operation = res.json().paths['/internal/exports/generate'].post;
    expect(operation.parameters.map((p: { name: string }) => p.name)).toContain('tenant_id');
    const schema = operation.responses['201'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(['generated_at', 'exports']);
    expect(Object.keys(schema.properties.exports.items.properties)).toEqual(
      expect.arrayContaining(['tenant_id', 'path', 'files', 'generation', 'data_as_of']),
    );
  });

  it('answers 404 for an unknown tenant and 400 for a malformed id, as problem+json', async () => {
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/internal/exports/generate?tenant_id=00000000-0000-4000-8000-000000000000',
      headers: t.internalHeaders,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    const malformed = await t.app.inject({ method: 'POST', url: '/internal/exports/generate?tenant_id=nope', headers: t.internalHeaders });
    expect(malformed.statusCode).toBe(400);
    const anonymous = await t.app.inject({ method: 'POST', url: `/internal/exports/generate?tenant_id=${PARIS}` });
    expect(anonymous.statusCode).toBe(401);
    // n8n may send an empty JSON body: it is no body, not a 400.
    const emptyJson = await t.app.inject({
      method: 'POST',
      url: '/internal/exports/generate?tenant_id=00000000-0000-4000-8000-000000000000',
      headers: { ...t.internalHeaders, 'content-type': 'application/json' },
      payload: '',
    });
    expect(emptyJson.statusCode).toBe(404);
  });
});
