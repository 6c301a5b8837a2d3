import { describe, expect, it } from 'vitest';
import { isRecordDate, normalizeInstant, validateCanonical, validateTicket, validateTimeEntry } from '../../src/ingest/validate.js';

const ticket = (overrides: Record<string, unknown> = {}) => ({
  external_id: 'T-1',
  created_at: '2026-01-24T09:30:00Z',
  ...overrides,
});

const entry = (overrides: Record<string, unknown> = {}) => ({
  external_id: 'E-1',
  technician_id: 'U-1',
  hours_worked: 1.5,
  billable: true,
  work_date: '2026-01-24',
  ...overrides,
});

function reasonsOf(result: ReturnType<typeof validateTicket> | ReturnType<typeof validateTimeEntry>): string[] {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.record)}`);
  return result.reasons;
}

describe('instants and dates', () => {
  it.each([
    ['2026-01-24T09:30:00Z', '2026-01-24T09:30:00.000Z'],
    ['2026-01-24T09:30:00+01:00', '2026-01-24T08:30:00.000Z'],
    ['2026-01-24T09:30:00-05:30', '2026-01-24T15:00:00.000Z'],
    ['2026-01-24t09:30:00z', '2026-01-24T09:30:00.000Z'],
    ['2026-01-24 09:30:00Z', '2026-01-24T09:30:00.000Z'],
    ['2022-09-30T08:23:56.4214387Z', '2022-09-30T08:23:56.421Z'],
    ['2024-02-29T23:59:59.9Z', '2024-02-29T23:59:59.900Z'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeInstant(input)).toBe(expected);
  });

  it.each([
    '2026-01-24T09:30:00', // no offset: would be read as server-local time
    '2026-01-24',
    '2026-02-30T10:00:00Z', // Date.parse would roll this over into March
    '2025-02-29T10:00:00Z',
    '2026-01-24T24:00:00Z',
    '2026-01-24T09:60:00Z',
    '2026-01-24T09:30:60Z',
    '2026-01-24T09:30:00+24:00',
    '0001-01-01T00:00:00Z', // a null sentinel that kept its Z
    '1900-01-01T00:00:00Z',
    'yesterday',
    '',
  ])('rejects %j as an instant', (input) => {
    expect(normalizeInstant(input)).toBeNull();
  });

  it('accepts only real calendar dates', () => {
    expect(isRecordDate('2024-02-29')).toBe(true);
    expect(isRecordDate('2026-01-24')).toBe(true);
    expect(isRecordDate('2025-02-29')).toBe(false);
    expect(isRecordDate('2026-13-01')).toBe(false);
    expect(isRecordDate('2026-1-24')).toBe(false);
    expect(isRecordDate('2026-01-24T00:00:00Z')).toBe(false);
  });
});

describe('validateTicket', () => {
  it('returns every canonical field, normalised, with defaults', () => {
    const result = validateTicket(ticket({ summary: '  Printer offline  ', client_id: 4711, closed_at: '2026-01-24T11:00:00+01:00' }));
    expect(result).toEqual({
      ok: true,
      warnings: [],
      record: {
        external_id: 'T-1',
        created_at: '2026-01-24T09:30:00.000Z',
        summary: 'Printer offline',
        client_id: '4711',
        client_name: null,
        technician_id: null,
        technician_name: null,
        board: null,
        priority: null,
        status: null,
        first_response_at: null,
        closed_at: '2026-01-24T10:00:00.000Z',
        sla_response_due_at: null,
        sla_resolution_due_at: null,
        sla_response_met: null,
        sla_resolution_met: null,
        reopen_count: 0,
        updated_at: null,
      },
    });
  });

  it('requires external_id and created_at, and names them', () => {
    expect(reasonsOf(validateTicket({}))).toEqual(['external_id: is required', 'created_at: is required']);
    expect(reasonsOf(validateTicket(ticket({ external_id: '   ' })))).toEqual(['external_id: is required']);
  });

  it('limits ids to 200 characters and rejects non-scalar ids', () => {
    expect(validateTicket(ticket({ external_id: 'x'.repeat(200) })).ok).toBe(true);
    expect(reasonsOf(validateTicket(ticket({ external_id: 'x'.repeat(201) })))).toEqual([
      'external_id: must be at most 200 characters, got 201',
    ]);
    expect(reasonsOf(validateTicket(ticket({ technician_id: { id: 7 } })))).toEqual([
      'technician_id: must be a string (or an integer), got an object',
    ]);
    expect(reasonsOf(validateTicket(ticket({ client_id: 1.5 })))).toEqual(['client_id: must be a string (or an integer), got 1.5']);
  });

  it('explains bad instants with the value and the field', () => {
    expect(reasonsOf(validateTicket(ticket({ created_at: '2026-02-30T10:00:00Z', first_response_at: 1737711000000 })))).toEqual([
      'created_at: "2026-02-30T10:00:00Z" is not a real calendar date',
      'first_response_at: must be an RFC 3339 string, got 1737711000000',
    ]);
    expect(reasonsOf(validateTicket(ticket({ closed_at: '2026-01-24T10:00:00' })))[0]).toMatch(/^closed_at: .*offset or Z/);
  });

  it('checks booleans and reopen_count strictly', () => {
    expect(reasonsOf(validateTicket(ticket({ sla_response_met: 'true', reopen_count: -1 })))).toEqual([
      'sla_response_met: must be true or false, got "true"',
      'reopen_count: must be a whole number from 0 to 2147483647, got -1',
    ]);
    expect(reasonsOf(validateTicket(ticket({ reopen_count: 1.5 })))).toEqual([
      'reopen_count: must be a whole number from 0 to 2147483647, got 1.5',
    ]);
    // The column is a PostgreSQL integer: anything larger is rejected here, not by the database.
    expect(reasonsOf(validateTicket(ticket({ reopen_count: 2_147_483_648 })))).toEqual([
      'reopen_count: must be a whole number from 0 to 2147483647, got 2147483648',
    ]);
    const ok = validateTicket(ticket({ reopen_count: null, sla_resolution_met: false }));
    expect(ok.ok && ok.record.reopen_count).toBe(0);
    expect(ok.ok && ok.record.sla_resolution_met).toBe(false);
  });

  it('warns, without rejecting, when a close or first response precedes the creation', () => {
    const result = validateTicket(ticket({ closed_at: '2026-01-24T08:00:00Z', first_response_at: '2026-01-24T07:00:00Z' }));
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings).toEqual([
      'closed_at: is earlier than created_at',
      'first_response_at: is earlier than created_at',
    ]);
  });

  it('cuts long free text to 500 characters with a warning', () => {
    const result = validateTicket(ticket({ summary: `${'é'.repeat(499)}😀😀` }));
    expect(result.ok && Array.from(result.record.summary ?? '').length).toBe(500);
    expect(result.ok && result.warnings).toEqual(['summary: cut to 500 characters (was 501)']);
  });

  it('warns about fields the contract does not know', () => {
    const result = validateTicket(ticket({ create_at: '2026-01-24T09:30:00Z' }));
    expect(result.ok && result.warnings).toEqual(['unknown field "create_at" ignored']);
  });

  it('rejects anything that is not a JSON object', () => {
    for (const input of [null, 'T-1', 42, [ticket()]]) {
      expect(validateTicket(input)).toEqual({ ok: false, externalId: null, reasons: ['record must be a JSON object'] });
    }
  });

  it('reports the external id of a rejected record when it can be read', () => {
    expect(validateTicket({ external_id: 'T-9' })).toEqual({ ok: false, externalId: 'T-9', reasons: ['created_at: is required'] });
  });

  it('labels fields as the caller asks (mappers name the native field)', () => {
    const result = validateTicket({ external_id: 1 }, { fieldLabel: (f) => (f === 'created_at' ? 'created_at (createDate)' : f) });
    expect(reasonsOf(result)).toEqual(['created_at (createDate): is required']);
  });
});

describe('validateTimeEntry', () => {
  it('reads currency (ISO 4217, upper-cased) and non_service_desk (default false)', () => {
    const result = validateTimeEntry(entry({ currency: 'isk', non_service_desk: true }));
    expect(result.ok && result.record).toMatchObject({ currency: 'ISK', non_service_desk: true });
    const plain = validateTimeEntry(entry());
    expect(plain.ok && plain.record).toMatchObject({ currency: null, non_service_desk: false });
    expect(reasonsOf(validateTimeEntry(entry({ currency: 'euro' })))).toEqual([
      'currency: must be a three-letter ISO 4217 currency code, got "euro"',
    ]);
    expect(reasonsOf(validateTimeEntry(entry({ non_service_desk: 'yes' })))).toEqual([
      'non_service_desk: must be true or false, got "yes"',
    ]);
  });

  it('accepts a work_date-only entry and keeps the date as given', () => {
    const result = validateTimeEntry(entry());
    expect(result.ok && result.record).toMatchObject({ work_date: '2026-01-24', started_at: null, hours_worked: 1.5, billable: true });
  });

  it('requires started_at or work_date', () => {
    expect(reasonsOf(validateTimeEntry(entry({ work_date: undefined })))).toEqual(['started_at or work_date: one of them is required']);
    expect(validateTimeEntry(entry({ work_date: undefined, started_at: '2026-01-24T09:00:00Z' })).ok).toBe(true);
  });

  it('requires technician_id, hours_worked and billable', () => {
    expect(reasonsOf(validateTimeEntry({ external_id: 'E-1', work_date: '2026-01-24' }))).toEqual([
      'technician_id: is required',
      'hours_worked: is required',
      'billable: is required',
    ]);
  });

  it.each([
    [{ hours_worked: -0.5 }, 'hours_worked: must be between 0 and 24, got -0.5'],
    [{ hours_worked: 24.01 }, 'hours_worked: must be between 0 and 24, got 24.01'],
    [{ hours_worked: '1.5' }, 'hours_worked: must be a number, got "1.5"'],
    [{ hours_billed: -1 }, 'hours_billed: must be between 0 and 999999, got -1'],
    [{ hourly_rate: -80 }, 'hourly_rate: must be between 0 and 99999999, got -80'],
    [{ work_date: '2026-02-29' }, 'work_date: must be a real calendar date YYYY-MM-DD, got "2026-02-29"'],
    [{ work_date: '2026-01-24T00:00:00Z' }, 'work_date: must be a real calendar date YYYY-MM-DD, got "2026-01-24T00:00:00Z"'],
    [{ billable: 1 }, 'billable: must be true or false, got 1'],
  ])('rejects %j', (overrides, reason) => {
    expect(reasonsOf(validateTimeEntry(entry(overrides)))).toEqual([reason]);
  });

  it('accepts the bounds 0 and 24 hours', () => {
    expect(validateTimeEntry(entry({ hours_worked: 0 })).ok).toBe(true);
    expect(validateTimeEntry(entry({ hours_worked: 24 })).ok).toBe(true);
  });

  it('warns when an entry ends before it starts', () => {
    const result = validateTimeEntry(entry({ started_at: '2026-01-24T10:00:00Z', ended_at: '2026-01-24T09:00:00Z' }));
    expect(result.ok && result.warnings).toEqual(['ended_at: is earlier than started_at']);
  });

  it('collects every problem of a record at once', () => {
    const reasons = reasonsOf(validateTimeEntry({ technician_id: '', hours_worked: 30, billable: 'yes' }));
    expect(reasons).toEqual([
      'external_id: is required',
      'technician_id: is required',
      'hours_worked: must be between 0 and 24, got 30',
      'billable: must be true or false, got "yes"',
      'started_at or work_date: one of them is required',
    ]);
  });
});

describe('validateCanonical', () => {
  it('dispatches on the entity', () => {
    expect(validateCanonical('tickets', ticket()).ok).toBe(true);
    expect(validateCanonical('time_entries', ticket()).ok).toBe(false);
    expect(validateCanonical('time_entries', entry()).ok).toBe(true);
  });
});
