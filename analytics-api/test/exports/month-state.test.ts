import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportQueue } from '../../src/exports/export-lock.js';
import { generateExports } from '../../src/exports/export-service.js';
import { readMonthState, saveMonthState, type MonthState } from '../../src/exports/month-state.js';
import { createRng } from '../../src/mockgen/prng.js';
import { TABLES } from '../../src/exports/tables.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { insertTicket, readCsv } from './helpers.js';

/**
 * The month state an export reads (exports/month-state.ts) — kept months, recomputed where the
 * change log (migration 013's triggers) says something changed — is what recomputing every month
 * from the records gives, whatever the writes; a save from an older snapshot is refused; a change
 * committed during an export is exported by the next one.
 */

const TENANT = '00000000-0000-4000-8000-0000000000c1';

/** The state as plain comparable data: months per fact, and sightings sorted. */
function comparable(state: MonthState) {
  const sorted = (list: readonly (readonly unknown[])[]) => [...list].map((item) => JSON.stringify(item)).sort();
  return {
    months: state.months,
    client: sorted(state.sightings.client),
    technician: sorted(state.sightings.technician),
  };
}

describe('the month state an export reads follows every write', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    await createTenant(database.db, { id: TENANT, name: 'Month state MSP', timezone: 'Pacific/Kiritimati' });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('equals a recomputation of every month after random writes, in time zones far from UTC, and its dimension names equal those read from the records', async () => {
    const db = database.db;
    // Seeded: a failing sequence replays the same way.
    const rng = createRng('month-state', 20261206);
    const next = () => rng.float();
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    // Instants on and around month boundaries, where a local month differs from the UTC one.
    const instant = () => {
      const month = 1 + Math.floor(next() * 6);
      const day = pick([1, 1, 2, 15, 28, 30, 31]);
      const last = new Date(Date.UTC(2026, month, 0)).getUTCDate();
      const date = new Date(Date.UTC(2026, month - 1, Math.min(day, last), Math.floor(next() * 24), Math.floor(next() * 60)));
      return date.toISOString();
    };
    const ticketIds = Array.from({ length: 30 }, (_, i) => `T${i}`);
    const entryIds = Array.from({ length: 30 }, (_, i) => `E${i}`);
    const clients = ['C1', 'C2', 'C3', null];
    const names = ['Acme', 'Acme Ltd', null];
    const technicians = ['U1', 'U2'];

    const writes: (() => Promise<unknown>)[] = [
      () =>
        insertTicket(db, TENANT, {
          external_id: pick(ticketIds),
          created_at: instant(),
          client_id: pick(clients),
          client_name: pick(names),
          technician_id: pick([...technicians, null]),
          technician_name: pick(names),
          status: pick(['Open', 'Closed']),
        }),
      () =>
        db.query(`UPDATE raw_tickets SET client_id = $3, changed_at = now() WHERE tenant_id = $1 AND external_id = $2`, [
          TENANT,
          pick(ticketIds),
          pick(clients),
        ]),
      () =>
        db.query(`UPDATE raw_tickets SET created_at = $3, changed_at = now() WHERE tenant_id = $1 AND external_id = $2`, [
          TENANT,
          pick(ticketIds),
          instant(),
        ]),
      () => db.query(`UPDATE raw_tickets SET deleted_at = now() WHERE tenant_id = $1 AND external_id = $2`, [TENANT, pick(ticketIds)]),
      // One statement over many rows: a rename of every ticket of a client.
      () =>
        db.query(`UPDATE raw_tickets SET client_name = $3, changed_at = now() WHERE tenant_id = $1 AND client_id = $2`, [
          TENANT,
          pick(clients),
          pick(names),
        ]),
      () => db.query(`DELETE FROM raw_tickets WHERE tenant_id = $1 AND external_id = $2`, [TENANT, pick(ticketIds)]),
      () => {
        const dated = next() < 0.5;
        return db.query(
          `INSERT INTO raw_time_entries (tenant_id, external_id, source, technician_id, technician_name, ticket_external_id, client_id,
                                         client_name, started_at, work_date, hours_worked, billable, payload, record_hash)
           VALUES ($1, $2, 'canonical', $3, $4, $5, $6, $7, $8, $9, 1, true, '{}', 'x')
           ON CONFLICT (tenant_id, external_id) DO UPDATE SET ticket_external_id = EXCLUDED.ticket_external_id, client_id = EXCLUDED.client_id,
             client_name = EXCLUDED.client_name, started_at = EXCLUDED.started_at, work_date = EXCLUDED.work_date, changed_at = now()`,
          [
            TENANT,
            pick(entryIds),
            pick(technicians),
            pick(names),
            pick([...ticketIds, 'T-none', null]),
            pick(clients),
            pick(names),
            instant(),
            dated ? instant().slice(0, 10) : null,
          ],
        );
      },
      () => db.query(`UPDATE raw_time_entries SET deleted_at = now() WHERE tenant_id = $1 AND external_id = $2`, [TENANT, pick(entryIds)]),
      () => db.query(`DELETE FROM raw_time_entries WHERE tenant_id = $1 AND external_id = $2`, [TENANT, pick(entryIds)]),
    ];

    const tenant = { id: TENANT, timezone: 'Pacific/Kiritimati' };
    let recomputedMonths = 0;
    for (let round = 0; round < 30; round += 1) {
      if (round === 15) {
        // Another time zone: the kept months are of the old one, everything is recomputed.
        tenant.timezone = 'Pacific/Pago_Pago';
        await db.query(`UPDATE tenants SET timezone = $2 WHERE id = $1`, [TENANT, tenant.timezone]);
      }
      const count = 1 + Math.floor(next() * 8);
      for (let i = 0; i < count; i += 1) await pick(writes)();
      const kept = await readMonthState(db, tenant, false);
      const everything = await readMonthState(db, tenant, true);
      expect(comparable(kept), `round ${round}`).toEqual(comparable(everything));
      if (round === 15) expect(kept.recomputed.everything).toBe(true);
      if (!kept.recomputed.everything) recomputedMonths += kept.recomputed.months;
      for (const dimension of ['client', 'technician'] as const) {
        const spec = TABLES.find((table) => table.name === `dim_${dimension}`)!;
        const fromState = await db.query(spec.sql, [TENANT, JSON.stringify(kept.sightings[dimension])]);
        const fromRecords = await db.query(spec.sql, [TENANT, null]);
        expect(fromState.rows, `dim_${dimension}, round ${round}`).toEqual(fromRecords.rows);
      }
      expect(await saveMonthState(db, kept)).toBe(true);
    }
    // The check above compared something: months were recomputed from the log, not only kept.
    expect(recomputedMonths).toBeGreaterThan(0);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM export_months WHERE tenant_id = $1`, [TENANT]);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('refuses a save from a snapshot older than the last save, and keeps the log rows it read', async () => {
    const db = database.db;
    const tenant = { id: TENANT, timezone: 'Pacific/Pago_Pago' };
    await saveMonthState(db, await readMonthState(db, tenant, false));
    await insertTicket(db, TENANT, { external_id: 'OCC-1', created_at: '2026-03-10T12:00:00Z', client_id: 'C1' });
    const older = await readMonthState(db, tenant, false);
    const newer = await readMonthState(db, tenant, false);
    expect(await saveMonthState(db, newer)).toBe(true);
    await insertTicket(db, TENANT, { external_id: 'OCC-2', created_at: '2026-04-10T12:00:00Z', client_id: 'C1' });
    expect(await saveMonthState(db, older)).toBe(false);
    // OCC-2's log row is still there: the next read recomputes April.
    const after = await readMonthState(db, tenant, false);
    expect(after.pending?.changeIds.length).toBeGreaterThan(0);
    expect(comparable(after)).toEqual(comparable(await readMonthState(db, tenant, true)));
  });
});

describe('an export reads only the months that changed', () => {
  let database: TestDatabase;
  let exportsPath: string;
  const queue = new ExportQueue();
  const TENANT_B = '00000000-0000-4000-8000-0000000000c2';

  beforeAll(async () => {
    database = await createTestDatabase();
    exportsPath = mkdtempSync(join(tmpdir(), 'exports-month-state-'));
    await createTenant(database.db, { id: TENANT_B, name: 'Busy MSP', timezone: 'Europe/Paris' });
    for (let i = 0; i < 12; i += 1) {
      await insertTicket(database.db, TENANT_B, {
        external_id: `B${i}`,
        created_at: `2026-${String(1 + (i % 6)).padStart(2, '0')}-10T09:00:00Z`,
        client_id: `C${i % 3}`,
        client_name: `Client ${i % 3}`,
      });
    }
  });
  afterAll(async () => {
    await database.drop();
    rmSync(exportsPath, { recursive: true, force: true });
  });

  const exportNow = async (hooks?: Parameters<typeof generateExports>[2]['hooks'], full = false) =>
    (await generateExports(database.db, { exportsPath, exportsKeep: 10 }, { queue, tenantId: TENANT_B, format: 'csv', hooks, full }))
      .exports[0]!;
  const written = (result: Awaited<ReturnType<typeof exportNow>>) =>
    result.files.filter((file) => file.month !== undefined && file.generation === result.generation).map((file) => file.name);

  it('a change committed while an export runs is written by the next one, with the names it brings', async () => {
    await exportNow(undefined, true);
    let changed = false;
    const during = await exportNow({
      afterFile: async ({ name }) => {
        if (changed || !name.startsWith('fact_tickets/')) return;
        changed = true;
        await insertTicket(database.db, TENANT_B, {
          external_id: 'LATE',
          created_at: '2026-02-20T09:00:00Z',
          client_id: 'C9',
          client_name: 'Late client',
        });
      },
    });
    expect(changed).toBe(true);
    const after = await exportNow();
    expect(written(after)).toContain('fact_tickets/2026-02.csv');
    expect(readCsv(join(after.generation_path, 'fact_tickets/2026-02.csv')).map((row) => row.ticket_key)).toContain('LATE');
    expect(readCsv(join(after.generation_path, 'dim_client.csv'))).toContainEqual({ client_key: 'C9', client_name: 'Late client' });
    // And it equals a full export of the same data.
    const full = await exportNow(undefined, true);
    expect(after.files.map(({ name, sha256 }) => ({ name, sha256 }))).toEqual(full.files.map(({ name, sha256 }) => ({ name, sha256 })));
    expect(during.files.length).toBeGreaterThan(0);
  });

  it('after a day of changes to one month, reads and writes that month only', async () => {
    await exportNow();
    await database.db.query(`UPDATE raw_tickets SET summary = 'changed', changed_at = now() WHERE tenant_id = $1 AND external_id = 'B3'`, [
      TENANT_B,
    ]);
    const after = await exportNow();
    expect(written(after)).toEqual(['fact_tickets/2026-04.csv']);
    const { rows } = await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM export_changes WHERE tenant_id = $1`, [
      TENANT_B,
    ]);
    expect(rows[0]!.n).toBe(0);
  });
});
