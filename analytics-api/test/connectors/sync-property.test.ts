import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPsaClient } from '../../src/connectors/clients/index.js';
import { setConnection } from '../../src/connectors/connection-service.js';
import { syncTenant, type SyncHooks } from '../../src/connectors/sync-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { mockRecords, storedPayloads, TEST_CREDENTIALS_KEY } from './helpers.js';
import { AT_CREDENTIALS, AutotaskSim, type AtRecord } from './sim/autotask-sim.js';
import { ConnectWiseSim, CW_CREDENTIALS, type CwRecord } from './sim/connectwise-sim.js';
import { HALO_CREDENTIALS, HaloSim, type HaloRecord } from './sim/halopsa-sim.js';

/**
 * Any sequence of changes in the PSA (edits, additions, deletions), interleaved with syncs that are
 * killed between pages or crash before a page commits, with dropped connections, ends — after one
 * last sync — with the stored tickets equal to the PSA's tickets, record for record, and with every
 * record counted as inserted exactly once across all runs.
 */
type Step =
  | { kind: 'change'; pick: number }
  | { kind: 'add' }
  | { kind: 'remove'; pick: number }
  | { kind: 'sync'; kill: 'none' | 'after' | 'before'; atPage: number; drop: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('change' as const), pick: fc.nat(1000) }),
  fc.record({ kind: fc.constant('add' as const) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat(1000) }),
  fc.record({
    kind: fc.constant('sync' as const),
    kill: fc.constantFrom('none' as const, 'after' as const, 'before' as const),
    atPage: fc.integer({ min: 1, max: 6 }),
    drop: fc.boolean(),
  }),
);

const FAST_RETRY = { maxAttempts: 4, maxTotalMs: 2_000, baseDelayMs: 5, maxDelayMs: 50 };

describe('property: syncs interleaved with PSA changes and kills end exact', () => {
  let t: TestApp;
  const sims = { connectwise: new ConnectWiseSim(), autotask: new AutotaskSim(), halopsa: new HaloSim() };
  const data = {
    connectwise: mockRecords<CwRecord>('connectwise', 'tickets', 30),
    autotask: mockRecords<AtRecord>('autotask', 'tickets', 30),
    halopsa: mockRecords<HaloRecord>('halopsa', 'tickets', 30),
  };

  beforeAll(async () => {
    t = await createTestApp({ CREDENTIALS_KEY: TEST_CREDENTIALS_KEY, SYNC_OVERLAP_SECONDS: '2' });
    for (const sim of Object.values(sims)) await sim.start();
  });
  afterAll(async () => {
    for (const sim of Object.values(sims)) await sim.stop();
    await t.close();
  });

  for (const psa of ['connectwise', 'autotask', 'halopsa'] as const) {
    it(`${psa}`, async () => {
      const sim = sims[psa];
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
          sim.tables.tickets.clear();
          sim.faults = {};
          (sim.load as (entity: 'tickets', records: unknown[]) => unknown)('tickets', data[psa]);
          const tenantId = (await createTenant(t.ctx.db, { name: `${psa} ${Math.random()}`, source: psa })).id;
          const credentials = psa === 'connectwise' ? CW_CREDENTIALS : psa === 'autotask' ? AT_CREDENTIALS : HALO_CREDENTIALS;
          await setConnection(t.ctx.db, t.config, tenantId, {
            psa,
            base_url: psa === 'autotask' ? `${sim.baseUrl}/v1.0` : sim.baseUrl,
            credentials,
          });
          const makeClient = (c: Parameters<typeof createPsaClient>[0]) => createPsaClient(c, { pageSize: 7, retry: FAST_RETRY });
          const kill = new Error('killed');

          for (const s of steps) {
            const keys = [...sim.tables.tickets.live.keys()];
            if (s.kind === 'change' && keys.length) sim.change('tickets', keys[s.pick % keys.length]!);
            else if (s.kind === 'add') sim.add('tickets');
            else if (s.kind === 'remove' && keys.length > 1) sim.remove('tickets', keys[s.pick % keys.length]!);
            else if (s.kind === 'sync') {
              if (s.drop) sim.faults.dropNext = 1;
              const hooks: SyncHooks = {};
              if (s.kill === 'after')
                hooks.afterPage = (_e, page) => {
                  if (page === s.atPage) throw kill;
                };
              if (s.kill === 'before')
                hooks.beforeCommit = (_e, page) => {
                  if (page === s.atPage) throw kill;
                };
              await syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, { entity: 'tickets', makeClient, hooks }).catch(
                (error: unknown) => {
                  if (error !== kill) throw error;
                },
              );
              sim.faults = {};
            }
          }
          // ConnectWise has no deleted-records feed: its last sync is a full one, which reconciles.
          sim.tick(1_000);
          await syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, { entity: 'tickets', makeClient, full: psa === 'connectwise' });

          const stored = await storedPayloads(t.ctx.db, tenantId, 'tickets');
          const live = sim.tables.tickets.live as Map<string, unknown>;
          expect([...stored.keys()].sort()).toEqual([...live.keys()].sort());
          for (const [key, record] of live) expect(stored.get(key)).toEqual(record);
          const { rows } = await t.ctx.db.query<{ inserted: number; rows: number }>(
            `SELECT (SELECT coalesce(sum(inserted), 0)::int FROM ingestion_runs WHERE tenant_id = $1) AS inserted,
                    (SELECT count(*)::int FROM raw_tickets WHERE tenant_id = $1) AS rows`,
            [tenantId],
          );
          expect(rows[0]!.inserted).toBe(rows[0]!.rows);
        }),
        { numRuns: 12 },
      );
    }, 120_000);
  }
});
