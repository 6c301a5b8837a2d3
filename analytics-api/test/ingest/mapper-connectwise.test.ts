import { describe, expect, it } from 'vitest';
import type { CanonicalTicket, CanonicalTimeEntry } from '../../src/ingest/canonical.js';
import { mapRecord, type MapResult } from '../../src/ingest/mappers/index.js';

/** `/service/tickets/{id}` as in the research sample (Pipedream test event), abridged. */
const pipedreamTicket = () => ({
  id: 493,
  summary: 'Check Remote Backup',
  recordType: 'ServiceTicket',
  board: { id: 1, name: 'Professional Services', _info: {} },
  status: { id: 16, name: 'New (not responded)', Sort: 0, _info: {} },
  company: { id: 16, identifier: 'IndigoStrawberryCo', name: 'IndigoStrawberry, Co.', _info: {} },
  type: { id: 14, name: 'Proactive' },
  priority: { id: 4, name: 'Priority 3 - Normal Response', sort: 6, _info: {} },
  source: { id: 2, name: 'Phone' },
  closedFlag: false,
  resolveMinutes: 0,
  resPlanMinutes: 0,
  respondMinutes: 0,
  isInSla: false,
  billTime: 'NoDefault',
  sla: { id: 1, name: 'Standard SLA' },
  slaStatus: 'Respond by Mon 07/04 1:00 PM UTC-04',
  _info: { lastUpdated: '2022-07-02T04:20:41Z', updatedBy: 'template3', dateEntered: '2022-07-02T04:20:41Z', enteredBy: 'template3' },
  respondedHours: 4,
  resplanHours: 24,
  resolutionHours: 48,
});

/** `/time/entries` as in the research sample (django-connectwise fixture), abridged. */
const fixtureTimeEntry = () => ({
  id: 2,
  company: { id: 2, identifier: 'BigDesign', name: 'Big Design' },
  chargeToId: 69,
  chargeToType: 'ServiceTicket',
  member: { id: 176, identifier: 'user10', name: 'User Ten' },
  workType: { id: 3, name: 'Regular' },
  timeStart: '2005-05-16T08:00:00Z',
  timeEnd: '2005-05-16T10:00:00Z',
  actualHours: 2,
  billableOption: 'Billable',
  notes: 'server was infected',
  hoursBilled: 2,
  hourlyRate: 100,
  status: 'Billed',
  _info: { lastUpdated: '2017-10-17T18:33:20Z', updatedBy: 'CONVERSION' },
});

function ticketOf(result: MapResult): CanonicalTicket {
  if (!result.ok) throw new Error(`rejected: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTicket;
}

function entryOf(result: MapResult): CanonicalTimeEntry {
  if (!result.ok) throw new Error(`rejected: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTimeEntry;
}

const mapTicket = (raw: unknown) => mapRecord('connectwise', 'tickets', raw);
const mapEntry = (raw: unknown) => mapRecord('connectwise', 'time_entries', raw);

describe('ConnectWise tickets', () => {
  it('maps the research sample', () => {
    expect(ticketOf(mapTicket(pipedreamTicket()))).toEqual({
      external_id: '493',
      created_at: '2022-07-02T04:20:41.000Z',
      summary: 'Check Remote Backup',
      client_id: '16',
      client_name: 'IndigoStrawberry, Co.',
      technician_id: null,
      technician_name: null,
      board: 'Professional Services',
      priority: 'Priority 3 - Normal Response',
      status: 'New (not responded)',
      first_response_at: null,
      closed_at: null,
      sla_response_due_at: null,
      sla_resolution_due_at: null,
      // isInSla is false on this open, unanswered ticket: a running state, not a verdict.
      sla_response_met: null,
      sla_resolution_met: null,
      reopen_count: 0,
      updated_at: '2022-07-02T04:20:41.000Z',
    });
  });

  it('takes the owner as technician and the close from closedFlag + closedDate', () => {
    const record = ticketOf(
      mapTicket({
        ...pipedreamTicket(),
        owner: { id: 148, identifier: 'jcarter', name: 'Jamie Carter' },
        closedFlag: true,
        dateResponded: '2022-07-02T05:00:00Z',
        dateResolved: '2022-07-03T10:00:00Z',
        closedDate: '2022-07-04T09:00:00Z',
        respondMinutes: 40,
        isInSla: true,
      }),
    );
    expect(record).toMatchObject({
      technician_id: '148',
      technician_name: 'Jamie Carter',
      first_response_at: '2022-07-02T05:00:00.000Z',
      closed_at: '2022-07-04T09:00:00.000Z',
      sla_response_met: true, // 40 business minutes against a 4 h target
      sla_resolution_met: true, // isInSla on a closed ticket
    });
  });

  it('falls back to dateResolved when a closed ticket has no closedDate', () => {
    const record = ticketOf(mapTicket({ ...pipedreamTicket(), closedFlag: true, dateResolved: '2022-07-03T10:00:00Z' }));
    expect(record.closed_at).toBe('2022-07-03T10:00:00.000Z');
  });

  it('treats a reopened ticket (closedFlag false, old closedDate) as open', () => {
    const record = ticketOf(mapTicket({ ...pipedreamTicket(), closedFlag: false, closedDate: '2022-07-04T09:00:00Z', isInSla: false }));
    expect(record.closed_at).toBeNull();
    expect(record.sla_resolution_met).toBeNull();
  });

  it('uses _info.lastUpdated, with a warning, when closedFlag is true but no date is given', () => {
    const result = mapTicket({ ...pipedreamTicket(), closedFlag: true });
    expect(ticketOf(result).closed_at).toBe('2022-07-02T04:20:41.000Z');
    expect(result.ok && result.warnings).toEqual([
      'closed_at: closedFlag is true but closedDate and dateResolved are empty; _info.lastUpdated used',
    ]);
  });

  it('judges the response from CW business minutes, skipped minutes included', () => {
    const answered = { ...pipedreamTicket(), dateResponded: '2022-07-02T09:00:00Z', respondedHours: 4 };
    expect(ticketOf(mapTicket({ ...answered, respondMinutes: 240 })).sla_response_met).toBe(true);
    expect(ticketOf(mapTicket({ ...answered, respondMinutes: 200, respondedSkippedMinutes: 41 })).sla_response_met).toBe(false);
  });

  it('gives no verdict without an sla reference, only requiredDate as resolution due date', () => {
    const { sla: _sla, ...noSla } = pipedreamTicket();
    const record = ticketOf(
      mapTicket({
        ...noSla,
        closedFlag: true,
        closedDate: '2022-07-04T09:00:00Z',
        dateResponded: '2022-07-02T05:00:00Z',
        isInSla: false,
        requiredDate: '2022-07-05T00:00:00Z',
      }),
    );
    expect(record).toMatchObject({ sla_response_met: null, sla_resolution_met: null, sla_resolution_due_at: '2022-07-05T00:00:00.000Z' });
  });

  it('reads the reopen count from the "Reopen Count" custom field', () => {
    const withField = (value: unknown) => ({
      ...pipedreamTicket(),
      customFields: [
        { id: 1, caption: 'Story Points', type: 'Number', value: 5 },
        { id: 7, caption: 'Reopen Count', type: 'Number', value },
      ],
    });
    expect(ticketOf(mapTicket(withField(2))).reopen_count).toBe(2);
    expect(ticketOf(mapTicket(withField(null))).reopen_count).toBe(0);
    const odd = mapTicket(withField(-3));
    expect(ticketOf(odd).reopen_count).toBe(0);
    expect(odd.ok && odd.warnings).toEqual(['reopen_count (customFields["Reopen Count"]): ignored -3, not a whole number >= 0']);
  });

  it('rejects a ticket without id or creation date, naming the native field', () => {
    const { id: _id, ...noId } = pipedreamTicket();
    expect(mapTicket(noId)).toEqual({ ok: false, externalId: null, reasons: ['external_id (id): is required'] });
    const garbled = { ...pipedreamTicket(), _info: { dateEntered: '2026-01-24T25:61:00Z' } };
    expect(mapTicket(garbled)).toEqual({
      ok: false,
      externalId: '493',
      reasons: ['created_at (_info.dateEntered): "2026-01-24T25:61:00Z" has an impossible time of day'],
    });
  });
});

describe('ConnectWise time entries', () => {
  it('maps the research sample', () => {
    expect(entryOf(mapEntry(fixtureTimeEntry()))).toEqual({
      external_id: '2',
      technician_id: '176',
      technician_name: 'User Ten',
      hours_worked: 2,
      billable: true,
      started_at: '2005-05-16T08:00:00.000Z',
      ended_at: '2005-05-16T10:00:00.000Z',
      work_date: null,
      ticket_external_id: '69',
      client_id: '2',
      client_name: 'Big Design',
      hours_billed: 2,
      hourly_rate: 100,
      work_type: 'Regular',
      updated_at: '2017-10-17T18:33:20.000Z',
      non_service_desk: false,
      currency: null,
    });
  });

  it.each([
    ['Billable', true],
    ['DoNotBill', false],
    ['NoCharge', false],
    ['NoDefault', false],
  ])('billableOption %s → billable %s', (option, billable) => {
    expect(entryOf(mapEntry({ ...fixtureTimeEntry(), billableOption: option })).billable).toBe(billable);
  });

  it('rejects an entry without billableOption', () => {
    const { billableOption: _b, ...rest } = fixtureTimeEntry();
    expect(mapEntry(rest)).toEqual({ ok: false, externalId: '2', reasons: ['billable (billableOption): is required'] });
  });

  it('links only ticket time to a ticket', () => {
    expect(entryOf(mapEntry({ ...fixtureTimeEntry(), chargeToType: 'ProjectTicket' })).ticket_external_id).toBe('69');
    expect(entryOf(mapEntry({ ...fixtureTimeEntry(), chargeToType: 'ChargeCode', chargeToId: 31 })).ticket_external_id).toBeNull();
  });

  it('computes hours from timeStart/timeEnd when actualHours is missing, with a warning', () => {
    const { actualHours: _h, ...rest } = fixtureTimeEntry();
    const result = mapEntry({ ...rest, timeEnd: '2005-05-16T09:20:00Z' });
    expect(entryOf(result).hours_worked).toBe(1.3333);
    expect(result.ok && result.warnings).toEqual(['hours_worked: actualHours is empty; computed from timeStart and timeEnd']);
  });

  it.each([
    [{ actualHours: -1.5 }, 'hours_worked (actualHours): must be between 0 and 24, got -1.5'],
    [{ actualHours: 26.5 }, 'hours_worked (actualHours): must be between 0 and 24, got 26.5'],
    [
      { timeStart: '24/01/2026 09:15' },
      'started_at (timeStart): "24/01/2026 09:15" is not an RFC 3339 instant with an offset or Z (e.g. 2026-01-24T09:30:00Z)',
    ],
    [{ member: undefined }, 'technician_id (member.id): is required'],
    [{ hourlyRate: -100 }, 'hourly_rate (hourlyRate): must be between 0 and 99999999, got -100'],
  ])('rejects %j', (overrides, reason) => {
    expect(mapEntry({ ...fixtureTimeEntry(), ...overrides })).toEqual({ ok: false, externalId: '2', reasons: [reason] });
  });
});
