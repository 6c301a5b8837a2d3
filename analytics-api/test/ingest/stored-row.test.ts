import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mapRecord } from '../../src/ingest/mappers/index.js';
import { unstorableReasonOfJson } from '../../src/ingest/storable-json.js';
import { jsonbRow, storedRecord } from '../../src/ingest/stored-row.js';

/** How record_hash was computed before stored-row.ts: rows stored then must still compare equal. */
function previousHash(source: string, raw: unknown, canonical: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([source, raw, canonical]))
    .digest('hex');
}

const RAWS: unknown[] = [
  { external_id: 'T-1', created_at: '2026-01-24T09:30:00+01:00', summary: '  Printer  ', reopen_count: 2 },
  {
    external_id: 42,
    created_at: '2026-01-24T09:30:00Z',
    summary: 'Café «ü» 😀 "quoted" \\ back\nslash',
    extra: { nested: [1, null, true] },
  },
  { external_id: 'T-3', created_at: '2026-01-24T09:30:00.4214387Z', client_name: 'x'.repeat(600) },
];

describe('storedRecord', () => {
  it.each(RAWS.map((raw, i) => [i, raw] as const))('keeps the previous record_hash and row of record %i', (_i, raw) => {
    const mapped = mapRecord('canonical', 'tickets', raw);
    if (!mapped.ok) throw new Error(mapped.reasons.join('; '));
    const stored = storedRecord('canonical', JSON.stringify(raw), mapped.record);
    expect(stored.record_hash).toBe(previousHash('canonical', raw, mapped.record));
    expect(stored.external_id).toBe(mapped.record.external_id);
    // The row the upsert reads is what JSON.stringify({...canonical, payload, record_hash}) used to send.
    expect(JSON.parse(jsonbRow(stored))).toEqual({ ...mapped.record, payload: raw, record_hash: stored.record_hash });
  });

  it('gives the same raw record a different hash under another source', () => {
    const raw = RAWS[0]!;
    const mapped = mapRecord('canonical', 'tickets', raw);
    if (!mapped.ok) throw new Error('unexpected rejection');
    expect(storedRecord('canonical', JSON.stringify(raw), mapped.record).record_hash).not.toBe(
      storedRecord('halopsa', JSON.stringify(raw), mapped.record).record_hash,
    );
  });
});

describe('unstorableReasonOfJson', () => {
  it.each([
    ['plain text', { a: 'hello' }, false],
    ['a NUL character', { a: 'bad\u0000name' }, true],
    ['an unpaired high surrogate', { a: 'x\ud800y' }, true],
    ['an unpaired low surrogate', { a: 'x\udc00y' }, true],
    ['a paired surrogate (an emoji)', { a: 'x😀y' }, false],
    ['backslashes and quotes', { a: 'C:\\temp\\"x"', b: '\n\t' }, false],
    ['a NUL in a key', { ['k\u0000']: 1 }, true],
  ])('judges %s like the pattern alone', (_name, value, unstorable) => {
    expect(unstorableReasonOfJson(JSON.stringify(value)) !== null).toBe(unstorable);
  });
});
