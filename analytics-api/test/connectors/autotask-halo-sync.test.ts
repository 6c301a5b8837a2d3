import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutotaskClient } from '../../src/connectors/clients/autotask.js';
import { QUERY_PARAMETERS } from '../../src/connectors/clients/halopsa.js';
import { findConnection } from '../../src/connectors/connection-store.js';
import type { Entity } from '../../src/ingest/canonical.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { deletedIds, mockRecords, storedPayloads, TEST_CREDENTIALS_KEY } from './helpers.js';
import { AT_CREDENTIALS, AutotaskSim, type AtRecord } from './sim/autotask-sim.js';
import { HALO_CREDENTIALS, HaloSim, type HaloRecord } from './sim/halopsa-sim.js';

// Sync from the simulated Autotask and HaloPSA: pass paging, deleted-record feeds, picklists, Halo's allow-list.

interface EntitySummary {
  entity: string;
  received: number;
  inserted: number;
  updated: number;
  rejected: number;
  pages: number;
  retries: number;
  deleted: number;
  cursor_after: string | null;
}

type AnySim = AutotaskSim | HaloSim;

describe('sync from the simulated Autotask and HaloPSA', () => {
  let t: TestApp;
  const at = new AutotaskSim();
  const halo = new HaloSim();

  beforeAll(async () => {
    t = await createTestApp({ CREDENTIALS_KEY: TEST_CREDENTIALS_KEY, SYNC_PAGE_SIZE: '20', SYNC_OVERLAP_SECONDS: '5' });
    await at.start();
    await halo.start();
    at.load('tickets', mockRecords<AtRecord>('autotask', 'tickets', 70)).load(
      'time_entries',
      mockRecords<AtRecord>('autotask', 'time_entries', 45),
    );
    halo
      .load('tickets', mockRecords<HaloRecord>('halopsa', 'tickets', 70))
      .load('time_entries', mockRecords<HaloRecord>('halopsa', 'time_entries', 45));
  });
  afterAll(async () => {
    await at.stop();
    await halo.stop();
    await t.close();
  });

  async function connect(psa: 'autotask' | 'halopsa', sim: AnySim): Promise<string> {
    const tenantId = (await createTenant(t.ctx.db, { name: `${psa} ${Math.random()}`, source: psa })).id;
    const credentials = psa === 'autotask' ? AT_CREDENTIALS : HALO_CREDENTIALS;
    const base = psa === 'autotask' ? `${sim.baseUrl}/v1.0` : sim.baseUrl;
    const res = await t.app.inject({
      method: 'PUT',
      url: `/internal/tenants/${tenantId}/connection`,
      headers: t.internalHeaders,
      payload: { psa, base_url: base, credentials },
    });
    expect(res.statusCode).toBe(200);
    return tenantId;
  }
  const sync = async (tenantId: string, query = '') => {
    const res = await t.app.inject({ method: 'POST', url: `/internal/sync?tenant_id=${tenantId}${query}`, headers: t.internalHeaders });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { entities: EntitySummary[] }).entities;
  };
  async function expectExact(sim: AnySim, tenantId: string, entity: Entity) {
    const stored = await storedPayloads(t.ctx.db, tenantId, entity);
    const table = sim.tables[entity] as { live: Map<string, unknown> };
    expect([...stored.keys()].sort()).toEqual([...table.live.keys()].sort());
    for (const [key, record] of table.live) expect(stored.get(key)).toEqual(record);
  }

  for (const [psa, sim] of [
    ['autotask', at],
    ['halopsa', halo],
  ] as const) {
    it(`${psa}: first sync, changes, additions, changes while paging and deletions end exact`, async () => {
      const tenantId = await connect(psa, sim);
      const first = await sync(tenantId);
      expect(first[0]).toMatchObject({ entity: 'tickets', received: 70, inserted: 70, rejected: 0, pages: 4 });
      expect(first[1]).toMatchObject({ entity: 'time_entries', received: 45, inserted: 45 });
      expect(first[0]!.cursor_after).not.toBeNull();
      await expectExact(sim, tenantId, 'tickets');
      await expectExact(sim, tenantId, 'time_entries');

      const keys = [...sim.tables.tickets.live.keys()];
      sim.change('tickets', keys[2]!);
      sim.add('tickets');
      sim.remove('tickets', keys[10]!);
      let served = 0;
      sim.onPage = () => {
        served += 1;
        if (served === 1) sim.change('tickets', keys[0]!);
      };
      const second = await sync(tenantId, '&entity=tickets');
      sim.onPage = undefined;
      expect(second[0]).toMatchObject({ inserted: 1, deleted: 1 });
      expect(second[0]!.received).toBeLessThan(10);
      const third = await sync(tenantId, '&entity=tickets');
      expect(third[0]!.inserted).toBe(0);
      await expectExact(sim, tenantId, 'tickets');
      expect(await deletedIds(t.ctx.db, tenantId, 'tickets')).toEqual([keys[10]]);

      // A deleted record restored (updated again in the PSA) comes back.
      const restored = sim.tables.tickets.deleted.pop()!;
      sim.tables.tickets.put(restored.record);
      sim.change('tickets', restored.key);
      await sync(tenantId, '&entity=tickets');
      await expectExact(sim, tenantId, 'tickets');
      expect(await deletedIds(t.ctx.db, tenantId, 'tickets')).toEqual([]);
    });

    it(`${psa}: honours 429 with Retry-After and counts the retries`, async () => {
      const tenantId = await connect(psa, sim);
      sim.faults = { rateLimitEvery: 4, retryAfterSeconds: 1 };
      const [s] = await sync(tenantId, '&entity=tickets');
      sim.faults = {};
      expect(s!.retries).toBeGreaterThan(0);
      await expectExact(sim, tenantId, 'tickets');
    });
  }

  it('autotask: picklist labels are read from the field metadata, cached per tenant and refreshed on an unknown value', async () => {
    const tenantId = await connect('autotask', at);
    await sync(tenantId, '&entity=tickets');
    const row = await findConnection(t.ctx.db, tenantId);
    expect(row!.picklists.tickets!.status).toMatchObject({ '5': 'Complete' });
    const fieldCalls = () => at.requests.filter((r) => r.path.endsWith('/entityInformation/fields')).length;
    const before = fieldCalls();
    await sync(tenantId, '&entity=tickets');
    expect(fieldCalls()).toBe(before); // cached
    at.statusLabels[13] = 'Waiting Approval';
    const key = [...at.tables.tickets.live.keys()][4]!;
    at.tables.tickets.live.get(key)!.status = 13;
    at.change('tickets', key);
    await sync(tenantId, '&entity=tickets');
    expect(fieldCalls()).toBe(before + 1);
    expect((await findConnection(t.ctx.db, tenantId))!.picklists.tickets!.status).toMatchObject({ '13': 'Waiting Approval' });
  });

  it('autotask: the zone lookup finds the zone when base_url is not given', async () => {
    // The lookup host is the real one unless told otherwise: point it at the simulation.
    const local = new AutotaskClient(
      { tenantId: 'x', psa: 'autotask', baseUrl: undefined, credentials: AT_CREDENTIALS },
      { zoneLookupUrl: `${at.baseUrl}/v1.0/zoneInformation` },
    );
    await local.test();
    expect(at.requests.some((r) => r.path === '/v1.0/zoneInformation')).toBe(true);
  });

  it('halopsa: every parameter sent is on the allow-list (Halo ignores unknown names and would return everything)', async () => {
    expect([...halo.parameterNames].filter((name) => !QUERY_PARAMETERS.has(name))).toEqual([]);
    expect(halo.parameterNames.has('lastupdatefromdate')).toBe(true);
  });
});
