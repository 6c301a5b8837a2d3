import { describe, expect, it } from 'vitest';
import type { CanonicalTicket, CanonicalTimeEntry } from '../../src/ingest/canonical.js';
import { haloInstant, mapRecord, type MapResult } from '../../src/ingest/mappers/index.js';

/** A ticket as in the research sample (a real create-ticket response), abridged. */
const sampleTicket = () => ({
  id: 110043,
  dateoccurred: '2022-09-30T08:23:56.4214387Z',
  summary: 'New computer request',
  status_id: 1,
  tickettype_id: 29,
  sla_id: 3,
  sla_name: 'Service Request SLA',
  priority_id: 3,
  priority: { name: 'Medium', fixtime: 40, fixunits: 'H', responsetime: 8, responseunits: 'H' },
  client_id: 12,
  client_name: 'York University',
  site_id: 20,
  user_id: 399,
  team: 'UIT - CTS - Orders/Deployment',
  agent_id: 1,
  category_3: 'Hardware>Purchase - Quotation',
  onhold: '',
  respondbydate: '2022-09-30T20:00:00Z',
  fixbydate: '2022-10-06T16:00:00Z',
  excludefromsla: '',
  slaholdtime: 0,
  site_timezone: 'Eastern Standard Time',
  slaactiondate: '2022-09-30T20:00:00Z',
  slapercused: 0,
  slatimeleft: 8,
  lastactiondate: '2022-09-30T08:24:02.202645Z',
  lastincomingemail: '0001-01-01T00:00:00',
  targetdate: '1900-01-01T00:00:00',
  source: 3,
  datecreated: '2022-09-30T08:23:56.4261814Z',
  auditdate: '1899-12-30T00:00:00',
  chargerate: -1,
  timezonename: 'Eastern Standard Time',
});

/** An action shaped after the research's assembled `Actions` sample. */
const sampleAction = () => ({
  id: 1,
  ticket_id: 101,
  outcome: 'Remote Support',
  who: 'Jordan Lee',
  who_agentid: 7,
  datetime: '2026-01-23T22:15:00.1234567Z',
  actiondatecreated: '2026-01-23T23:40:12.5531234',
  actionarrivaldate: '1900-01-01T00:00:00',
  actioncompletiondate: '1900-01-01T00:00:00',
  timetaken: 1.5,
  actionchargehours: 1.5,
  actionnonchargehours: 0,
  actionprepayhours: 0,
  actionchargeamount: 247.5,
  actisbillable: true,
  chargerate: 2,
  hiddenfromuser: false,
  new_status: 2,
  last_updated: '2026-01-23T23:40:12.5531234',
});

function ticketOf(result: MapResult): CanonicalTicket {
  if (!result.ok) throw new Error(`rejected: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTicket;
}

function entryOf(result: MapResult): CanonicalTimeEntry {
  if (!result.ok) throw new Error(`rejected: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTimeEntry;
}

const mapTicket = (raw: unknown) => mapRecord('halopsa', 'tickets', raw);
const mapAction = (raw: unknown) => mapRecord('halopsa', 'time_entries', raw);

describe('Halo date-times', () => {
  it.each([
    ['0001-01-01T00:00:00', null],
    ['1900-01-01T00:00:00', null],
    ['1899-12-30T00:00:00', null],
    ['1900-01-01T00:00:00Z', null],
    ['', null],
    [null, null],
    [undefined, null],
    ['2022-09-30T08:23:56.4261814', '2022-09-30T08:23:56.4261814Z'],
    ['2022-09-30T08:23:56.4214387Z', '2022-09-30T08:23:56.4214387Z'],
    ['2022-09-30T10:23:56+02:00', '2022-09-30T10:23:56+02:00'],
    ['garbage', 'garbage'],
  ])('%j → %j', (input, expected) => {
    expect(haloInstant(input)).toBe(expected);
  });
});

describe('HaloPSA tickets', () => {
  it('maps the research sample: dateoccurred is the open time, sentinels are ignored', () => {
    expect(ticketOf(mapTicket(sampleTicket()))).toEqual({
      external_id: '110043',
      created_at: '2022-09-30T08:23:56.421Z',
      summary: 'New computer request',
      client_id: '12',
      client_name: 'York University',
      technician_id: null, // agent 1 is Halo's built-in "Unassigned" (issue #23 point 12)
      technician_name: null,
      board: 'UIT - CTS - Orders/Deployment',
      priority: 'Medium',
      status: '1',
      first_response_at: null,
      closed_at: null,
      sla_response_due_at: '2022-09-30T20:00:00.000Z',
      sla_resolution_due_at: '2022-10-06T16:00:00.000Z',
      sla_response_met: null,
      sla_resolution_met: null,
      reopen_count: 0,
      updated_at: '2022-09-30T08:24:02.202Z', // lastactiondate: the sample has no last_update
    });
  });

  it('reads dates without Z as UTC and treats sentinel close dates as open', () => {
    const record = ticketOf(
      mapTicket({
        ...sampleTicket(),
        responsedate: '2022-09-30T09:00:00.1234567',
        dateclosed: '1900-01-01T00:00:00',
        last_update: '2022-10-01T00:00:00.7654321',
      }),
    );
    expect(record).toMatchObject({
      first_response_at: '2022-09-30T09:00:00.123Z',
      closed_at: null,
      updated_at: '2022-10-01T00:00:00.765Z',
    });
  });

  it("maps the SLA states: 'I' met, 'O' breached, anything else no verdict", () => {
    const closed = { ...sampleTicket(), responsedate: '2022-09-30T09:00:00Z', dateclosed: '2022-10-07T09:00:00Z' };
    expect(ticketOf(mapTicket({ ...closed, slaresponsestate: 'I', slastate: 'O' }))).toMatchObject({
      sla_response_met: true,
      sla_resolution_met: false,
      closed_at: '2022-10-07T09:00:00.000Z',
    });
    expect(ticketOf(mapTicket({ ...closed, slaresponsestate: '', slastate: 'X' }))).toMatchObject({
      sla_response_met: null,
      sla_resolution_met: null,
    });
    // A state on a ticket not yet closed is not a resolution verdict.
    expect(ticketOf(mapTicket({ ...sampleTicket(), slastate: 'O' })).sla_resolution_met).toBeNull();
  });

  it('drops every SLA field when the ticket is excluded from SLA', () => {
    const record = ticketOf(
      mapTicket({ ...sampleTicket(), excludefromsla: true, responsedate: '2022-09-30T09:00:00Z', slaresponsestate: 'O' }),
    );
    expect(record).toMatchObject({ sla_response_due_at: null, sla_resolution_due_at: null, sla_response_met: null });
  });

  it('does not take datecreated (a row stamp) while dateoccurred is there, but falls back to it with a warning', () => {
    const stub = {
      ...sampleTicket(),
      dateoccurred: '2022-09-30T08:00:00Z',
      dateclosed: '2022-09-30T08:01:00Z',
      datecreated: '2022-09-30T08:01:02.1',
    };
    expect(ticketOf(mapTicket(stub)).created_at).toBe('2022-09-30T08:00:00.000Z');
    const { dateoccurred: _d, ...noOccurred } = sampleTicket();
    const result = mapTicket(noOccurred);
    expect(ticketOf(result).created_at).toBe('2022-09-30T08:23:56.426Z');
    expect(result.ok && result.warnings).toEqual(['created_at: dateoccurred is empty; datecreated used']);
  });

  it('rejects a ticket whose open time is a null sentinel', () => {
    expect(mapTicket({ ...sampleTicket(), dateoccurred: '0001-01-01T00:00:00', datecreated: '1900-01-01T00:00:00' })).toEqual({
      ok: false,
      externalId: '110043',
      reasons: ['created_at (dateoccurred): is required'],
    });
  });

  it('treats agent 0 as unassigned, prefers priority_name and status_name, reads CFReopenCount', () => {
    const record = ticketOf(
      mapTicket({
        ...sampleTicket(),
        agent_id: 0,
        agent_name: 'Unassigned',
        priority_name: 'P3 - Medium',
        status_name: 'New',
        customfields: [{ id: 201, name: 'CFReopenCount', value: '1' }],
      }),
    );
    expect(record).toMatchObject({ technician_id: null, technician_name: null, priority: 'P3 - Medium', status: 'New', reopen_count: 1 });
  });
});

describe('HaloPSA actions', () => {
  it('maps the sample: per-ticket action id, datetime as the work instant, charge rate as billable', () => {
    expect(entryOf(mapAction(sampleAction()))).toEqual({
      external_id: '101:1',
      technician_id: '7',
      technician_name: 'Jordan Lee',
      hours_worked: 1.5,
      billable: true,
      started_at: '2026-01-23T22:15:00.123Z',
      work_date: null,
      ended_at: null,
      ticket_external_id: '101',
      client_id: null,
      client_name: null,
      hours_billed: 1.5,
      hourly_rate: 165,
      work_type: 'Remote Support',
      updated_at: '2026-01-23T23:40:12.553Z',
      non_service_desk: false,
      currency: null,
    });
  });

  it('keeps actions of different tickets with the same id apart', () => {
    const a = entryOf(mapAction({ ...sampleAction(), ticket_id: 101, id: 2 }));
    const b = entryOf(mapAction({ ...sampleAction(), ticket_id: 102, id: 2 }));
    expect(a.external_id).not.toBe(b.external_id);
  });

  it('falls back to the arrival date, then the creation stamp, when datetime is a sentinel', () => {
    const arrival = entryOf(
      mapAction({
        ...sampleAction(),
        datetime: '1900-01-01T00:00:00',
        actionarrivaldate: '2026-01-23T21:00:00Z',
        actioncompletiondate: '2026-01-23T22:30:00Z',
      }),
    );
    expect(arrival).toMatchObject({ started_at: '2026-01-23T21:00:00.000Z', ended_at: '2026-01-23T22:30:00.000Z' });
    const created = entryOf(mapAction({ ...sampleAction(), datetime: null }));
    expect(created.started_at).toBe('2026-01-23T23:40:12.553Z');
  });

  it('counts no-charge time as not billable even though actisbillable says true', () => {
    const record = entryOf(
      mapAction({ ...sampleAction(), chargerate: 0, actisbillable: true, actionchargehours: 0, actionchargeamount: 0 }),
    );
    expect(record).toMatchObject({ billable: false, hours_billed: null, hourly_rate: null });
  });

  it('leaves hours_billed empty when actionchargehours is empty (the KPI then uses the worked hours)', () => {
    const record = entryOf(mapAction({ ...sampleAction(), actionchargehours: 0, actionchargeamount: 0 }));
    expect(record).toMatchObject({ billable: true, hours_billed: null, hourly_rate: null });
  });

  it('falls back to actisbillable, with a warning, when the charge rate is missing', () => {
    const { chargerate: _c, ...rest } = sampleAction();
    const result = mapAction(rest);
    expect(entryOf(result).billable).toBe(true);
    expect(result.ok && result.warnings).toEqual(['billable: chargerate is empty; actisbillable used (it over-counts billable time)']);
  });

  it.each([
    [{ id: undefined }, 'external_id (ticket_id:id): is required', null],
    [{ ticket_id: null }, 'external_id (ticket_id:id): is required', '1'],
    [{ timetaken: -0.5 }, 'hours_worked (timetaken): must be between 0 and 24, got -0.5', '101:1'],
    [{ timetaken: 31.28 }, 'hours_worked (timetaken): must be between 0 and 24, got 31.28', '101:1'],
    [
      { datetime: 'yesterday' },
      'started_at (datetime): "yesterday" is not an RFC 3339 instant with an offset or Z (e.g. 2026-01-24T09:30:00Z)',
      '101:1',
    ],
    [{ who_agentid: 0 }, 'technician_id (who_agentid): is required', '101:1'],
  ])('rejects %j', (overrides, reason, externalId) => {
    expect(mapAction({ ...sampleAction(), ...overrides })).toEqual({ ok: false, externalId, reasons: [reason] });
  });
});
