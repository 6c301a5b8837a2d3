import { describe, expect, it } from 'vitest';
import { ENTITIES, SOURCES } from '../../src/ingest/canonical.js';
import { mapRecord } from '../../src/ingest/mappers/index.js';

/** `field: problem`, `field (native field): problem`, `a or b: problem`, or the one reason for a non-object. */
const FIELD = '[a-z_]+(?: \\([^)]+\\))?';
const REASON = new RegExp(`^(?:${FIELD}(?: or ${FIELD})*: .+|record must be a JSON object)$`);

describe('mapRecord', () => {
  it('passes canonical records through validation only', () => {
    const result = mapRecord('canonical', 'tickets', { external_id: 'T-1', created_at: '2026-01-24T09:30:00+01:00', priority: 'P2' });
    expect(result.ok && result.record).toMatchObject({ external_id: 'T-1', created_at: '2026-01-24T08:30:00.000Z', priority: 'P2' });
    // Canonical records are not read as native ones: a ConnectWise shape is just unknown fields.
    const native = mapRecord('canonical', 'tickets', { id: 493, _info: { dateEntered: '2022-07-02T04:20:41Z' } });
    expect(native).toEqual({ ok: false, externalId: null, reasons: ['external_id: is required', 'created_at: is required'] });
  });

  it('never throws, whatever the input, for every source and entity: rejects each with reasons naming a field', () => {
    const weird: unknown[] = [
      null,
      undefined,
      0,
      'text',
      [],
      [{}],
      {},
      { id: {} },
      { id: 1, _info: 'x', company: 5, customFields: 'x' },
      { id: 1, customFields: [null, 3, { caption: 'Reopen Count' }], userDefinedFields: [null], customfields: [7] },
      { id: 1, ticket_id: 2, timetaken: '1', chargerate: 'x', datetime: 12, dateWorked: 20260124 },
      Object.create(null) as unknown,
    ];
    for (const source of SOURCES) {
      for (const entity of ENTITIES) {
        for (const raw of weird) {
          const result = mapRecord(source, entity, raw);
          // None of these carries both an id and a creation date (or, for time, a work date and hours).
          expect(result.ok, `${source} ${entity} ${JSON.stringify(raw)}`).toBe(false);
          if (result.ok) continue;
          expect(result.reasons.length).toBeGreaterThan(0);
          for (const reason of result.reasons) expect(reason).toMatch(REASON);
        }
      }
    }
  });

  it('rejects non-objects for native sources with one clear reason', () => {
    expect(mapRecord('halopsa', 'tickets', [1, 2])).toEqual({ ok: false, externalId: null, reasons: ['record must be a JSON object'] });
  });

  it('names native fields in the reasons of every PSA', () => {
    const empty = (source: 'connectwise' | 'autotask' | 'halopsa') => {
      const result = mapRecord(source, 'tickets', {});
      return result.ok ? [] : result.reasons;
    };
    expect(empty('connectwise')).toEqual(['external_id (id): is required', 'created_at (dateEntered): is required']);
    expect(empty('autotask')).toEqual(['external_id (id): is required', 'created_at (createDate): is required']);
    expect(empty('halopsa')).toEqual(['external_id (id): is required', 'created_at (datecreated): is required']);
  });
});
