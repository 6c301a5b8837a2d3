import { describe, expect, it } from 'vitest';
import type { CanonicalTicket, CanonicalTimeEntry } from '../../src/ingest/canonical.js';
import { mapRecord, type MapResult } from '../../src/ingest/mappers/index.js';

/** A `Tickets` item as in the research sample (django-autotask fixture), abridged. */
const fixtureTicket = () => ({
  id: 7688,
  ticketNumber: 'T20120604.0002.005',
  title: 'Monthy Services Checkup*',
  companyID: 174,
  companyLocationID: 55,
  contactID: 29683586,
  contractID: 29684183,
  assignedResourceID: 29683794,
  assignedResourceRoleID: 29683396,
  completedByResourceID: 29682885,
  completedDate: '2019-09-05T08:23:00.000Z',
  createDate: '2019-08-18T01:00:00.000Z',
  creatorResourceID: 4,
  creatorType: 1,
  dueDateTime: '2012-09-07T01:00:00.000Z',
  estimatedHours: 2.0,
  firstResponseDateTime: '2012-06-18T01:00:00.000Z',
  lastActivityDate: '2019-09-23T11:00:00.000Z',
  lastActivityResourceID: 4,
  priority: 3,
  queueID: 29682833,
  source: 6,
  status: 10,
  issueType: 10,
  subIssueType: 136,
  ticketCategory: 3,
  ticketType: 1,
  billingCodeID: 29683407,
  userDefinedFields: {},
});

/** A `TimeEntries` item as in the research sample (django-autotask fixture), abridged. */
const fixtureTimeEntry = () => ({
  id: 4,
  ticketID: 7688,
  taskID: null,
  timeEntryType: 2,
  dateWorked: '2018-01-23T00:00:00.00Z',
  startDateTime: '2018-01-23T10:00:00.00Z',
  endDateTime: '2018-01-23T12:30:00.00Z',
  hoursWorked: 1.0,
  hoursToBill: 1.0,
  offsetHours: 0.0,
  summaryNotes: 'Initial triage of issue',
  internalNotes: '…',
  roleID: 29683396,
  resourceID: 28,
  createDateTime: '2018-01-23T09:50:00.00Z',
  lastModifiedDateTime: '2018-01-23T13:00:00.00Z',
  billingCodeID: 29683403,
  contractID: 29684054,
  showOnInvoice: true,
  isNonBillable: false,
  billingApprovalLevelMostRecent: 0,
});

function ticketOf(result: MapResult): CanonicalTicket {
  if (!result.ok) throw new Error(`rejected: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTicket;
}

function entryOf(result: MapResult): CanonicalTimeEntry {
  if (!result.ok) throw new Error(`rejected: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTimeEntry;
}

const mapTicket = (raw: unknown) => mapRecord('autotask', 'tickets', raw);
const mapEntry = (raw: unknown) => mapRecord('autotask', 'time_entries', raw);

describe('Autotask tickets', () => {
  it('maps the research sample: status 10 is not Complete, so the old completedDate does not close it', () => {
    const result = mapTicket(fixtureTicket());
    expect(ticketOf(result)).toEqual({
      external_id: '7688',
      created_at: '2019-08-18T01:00:00.000Z',
      summary: 'Monthy Services Checkup*',
      client_id: '174',
      client_name: null,
      technician_id: '29683794',
      technician_name: null,
      board: '29682833',
      priority: '3',
      status: '10',
      first_response_at: null, // six years before the creation: no response (issue #23 point 3)
      closed_at: null,
      sla_response_due_at: null,
      sla_resolution_due_at: '2012-09-07T01:00:00.000Z', // dueDateTime (issue #23 point 9)
      sla_response_met: null,
      sla_resolution_met: null,
      reopen_count: 0,
      updated_at: '2019-09-23T11:00:00.000Z',
    });
    // The sample's first response precedes its creation: no response, with a warning.
    expect(result.ok && result.warnings.join('\n')).toMatch(/^first_response_at \(firstResponseDateTime\): .* taken as no response$/);
  });

  it('closes a ticket with status 5 (Complete) at completedDate, else resolvedDateTime', () => {
    expect(ticketOf(mapTicket({ ...fixtureTicket(), status: 5 })).closed_at).toBe('2019-09-05T08:23:00.000Z');
    const { completedDate: _c, ...noCompleted } = fixtureTicket();
    const resolvedOnly = mapTicket({ ...noCompleted, status: 5, resolvedDateTime: '2019-09-04T10:00:00.000Z' });
    expect(ticketOf(resolvedOnly).closed_at).toBe('2019-09-04T10:00:00.000Z');
  });

  it('warns and uses the last activity when a Complete ticket has no completion date', () => {
    const { completedDate: _c, lastActivityDate: _l, ...rest } = fixtureTicket();
    const result = mapTicket({ ...rest, status: 5, lastTrackedModificationDateTime: '2019-09-06T00:00:00.000Z' });
    expect(ticketOf(result).closed_at).toBe('2019-09-06T00:00:00.000Z');
    expect(result.ok && result.warnings).toContain(
      'closed_at: status is Complete but completedDate is empty; lastTrackedModificationDateTime used',
    );
    const withActivity = mapTicket({
      ...fixtureTicket(),
      completedDate: undefined,
      status: 5,
      lastTrackedModificationDateTime: '2019-08-18T01:00:00.000Z',
    });
    expect(ticketOf(withActivity).closed_at).toBe('2019-09-23T11:00:00.000Z');
  });

  it('maps due dates, and serviceLevelAgreementHasBeenMet only once the ticket is complete', () => {
    const sla = {
      ...fixtureTicket(),
      createDate: '2026-01-24T08:00:00.000Z',
      firstResponseDateTime: '2026-01-24T08:30:00.000Z',
      firstResponseDueDateTime: '2026-01-24T12:00:00.000Z',
      resolvedDueDateTime: '2026-01-25T08:00:00.000Z',
      completedDate: '2026-01-24T15:00:00.000Z',
      serviceLevelAgreementID: 3,
    };
    const open = ticketOf(mapTicket({ ...sla, status: 8, serviceLevelAgreementHasBeenMet: false }));
    expect(open).toMatchObject({
      sla_response_due_at: '2026-01-24T12:00:00.000Z',
      sla_resolution_due_at: '2026-01-25T08:00:00.000Z',
      sla_resolution_met: null, // false on an open ticket is not a breach (research §3.3)
      sla_response_met: null,
    });
    expect(ticketOf(mapTicket({ ...sla, status: 5, serviceLevelAgreementHasBeenMet: false })).sla_resolution_met).toBe(false);
    expect(ticketOf(mapTicket({ ...sla, status: 5, serviceLevelAgreementHasBeenMet: true })).sla_resolution_met).toBe(true);
  });

  it('prefers n8n picklist and reference labels over raw ids', () => {
    const record = ticketOf(
      mapTicket({
        ...fixtureTicket(),
        priority_label: 'Low',
        Status_label: 'Dispatched',
        queueID_label: 'Level I Support',
        companyID_label: 'Contoso',
        assignedResourceID_label: 'Camille Laurent',
      }),
    );
    expect(record).toMatchObject({
      priority: 'Low',
      status: 'Dispatched',
      board: 'Level I Support',
      client_name: 'Contoso',
      technician_name: 'Camille Laurent',
    });
  });

  it('reads the reopen count from the "Reopen Count" UDF (a string, as Autotask returns UDFs)', () => {
    const udfs = (value: string | null) => [
      { name: 'Other', value: 'x' },
      { name: 'Reopen Count', value },
    ];
    expect(ticketOf(mapTicket({ ...fixtureTicket(), userDefinedFields: udfs('2') })).reopen_count).toBe(2);
    expect(ticketOf(mapTicket({ ...fixtureTicket(), userDefinedFields: udfs(null) })).reopen_count).toBe(0);
  });

  it('rejects a ticket whose createDate is null or garbled', () => {
    expect(mapTicket({ ...fixtureTicket(), createDate: null })).toEqual({
      ok: false,
      externalId: '7688',
      reasons: ['created_at (createDate): is required'],
    });
    expect(mapTicket({ ...fixtureTicket(), createDate: '2026-13-01T08:00:00Z' })).toEqual({
      ok: false,
      externalId: '7688',
      reasons: ['created_at (createDate): "2026-13-01T08:00:00Z" is not a real calendar date'],
    });
  });
});

describe('Autotask time entries', () => {
  it('maps the research sample; dateWorked becomes the work date as is', () => {
    expect(entryOf(mapEntry(fixtureTimeEntry()))).toEqual({
      external_id: '4',
      technician_id: '28',
      technician_name: null,
      hours_worked: 1,
      billable: true,
      started_at: '2018-01-23T10:00:00.000Z',
      ended_at: '2018-01-23T12:30:00.000Z',
      work_date: '2018-01-23',
      ticket_external_id: '7688',
      client_id: null,
      client_name: null,
      hours_billed: 1,
      hourly_rate: null,
      work_type: null,
      updated_at: '2018-01-23T13:00:00.000Z',
      non_service_desk: false,
      currency: null,
    });
  });

  it('never shifts dateWorked by a timezone, even when the work started the UTC day before', () => {
    // On-call work in Paris at 00:30 on the 24th starts at 23:30 UTC on the 23rd.
    const record = entryOf(
      mapEntry({
        ...fixtureTimeEntry(),
        dateWorked: '2026-01-24T00:00:00.000Z',
        startDateTime: '2026-01-23T23:30:00.000Z',
        endDateTime: '2026-01-24T00:30:00.000Z',
      }),
    );
    expect(record.work_date).toBe('2026-01-24');
    expect(record.started_at).toBe('2026-01-23T23:30:00.000Z');
  });

  it('recovers the date from a dateWorked that n8n re-expressed in a local offset', () => {
    const result = mapEntry({ ...fixtureTimeEntry(), dateWorked: '2026-01-23T19:00:00-05:00' });
    expect(entryOf(result).work_date).toBe('2026-01-24');
    expect(result.ok && result.warnings).toEqual([]);
    expect(entryOf(mapEntry({ ...fixtureTimeEntry(), dateWorked: '2026-01-24' })).work_date).toBe('2026-01-24');
  });

  it('accepts an hours-only entry (no start or end)', () => {
    const record = entryOf(mapEntry({ ...fixtureTimeEntry(), startDateTime: null, endDateTime: null }));
    expect(record).toMatchObject({ started_at: null, ended_at: null, work_date: '2018-01-23' });
  });

  it('derives billable from isNonBillable and keeps hoursToBill', () => {
    const record = entryOf(mapEntry({ ...fixtureTimeEntry(), isNonBillable: true, hoursToBill: 0 }));
    expect(record).toMatchObject({ billable: false, hours_billed: 0 });
  });

  it('keeps project-task time unlinked from tickets', () => {
    expect(entryOf(mapEntry({ ...fixtureTimeEntry(), ticketID: null, taskID: 991 })).ticket_external_id).toBeNull();
  });

  it.each([
    [{ dateWorked: '2026-01-32T00:00:00.000Z' }, 'work_date (dateWorked): must be a real calendar date YYYY-MM-DD, got "2026-01-32"'],
    [{ dateWorked: '31/12/2025' }, 'work_date (dateWorked): must be a real calendar date YYYY-MM-DD, got "31/12/2025"'],
    [{ hoursWorked: -2.72 }, 'hours_worked (hoursWorked): must be between 0 and 24, got -2.72'],
    [{ hoursWorked: 30 }, 'hours_worked (hoursWorked): must be between 0 and 24, got 30'],
    [{ resourceID: null }, 'technician_id (resourceID): is required'],
    [{ isNonBillable: undefined }, 'billable (isNonBillable): is required'],
  ])('rejects %j', (overrides, reason) => {
    expect(mapEntry({ ...fixtureTimeEntry(), ...overrides })).toEqual({ ok: false, externalId: '4', reasons: [reason] });
  });
});
