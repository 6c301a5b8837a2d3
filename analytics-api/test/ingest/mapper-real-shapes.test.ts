/**
 * Issue #23: what real ConnectWise, Autotask and HaloPSA payloads look like, and what the mappers
 * must make of them. Every record here is written for this project, modelled on the shapes that
 * real instances return (shared/fixtures/real-psa/, read by hand, never copied): field names and
 * value kinds are real, the values are ours.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalTicket, CanonicalTimeEntry, PsaLabels } from '../../src/ingest/canonical.js';
import { mapRecord, type MapContext, type MapResult } from '../../src/ingest/mappers/index.js';

function ticketOf(result: MapResult): CanonicalTicket {
  if (!result.ok) throw new Error(`not mapped: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTicket;
}
function entryOf(result: MapResult): CanonicalTimeEntry {
  if (!result.ok) throw new Error(`not mapped: ${result.reasons.join('; ')}`);
  return result.record as CanonicalTimeEntry;
}
const warningsOf = (result: MapResult) => (result.ok ? result.warnings : []);

// ---------------------------------------------------------------------------------------------
// ConnectWise

/** A `/service/tickets` item the way a sandbox returns it: `_info` with the creation, SLA as a reference. */
function cwTicket(overrides: Record<string, unknown> = {}) {
  return {
    id: 5120,
    summary: 'Mailbox full',
    board: { id: 1, name: 'Help Desk' },
    status: { id: 17, name: 'Closed' },
    company: { id: 40, identifier: 'NorthWind', name: 'Northwind Traders' },
    priority: { id: 8, name: 'Priority 3 - Normal Response', sort: 6 },
    owner: { id: 12, identifier: 'akim', name: 'Alex Kim' },
    sla: { id: 2, name: 'Gold Support' },
    closedDate: '2026-03-02T15:10:00Z',
    closedFlag: true,
    dateResolved: '2026-03-02T15:09:50Z',
    dateResplan: '2026-03-02T10:40:00Z',
    dateResponded: '2026-03-02T10:40:00Z',
    respondMinutes: 40,
    respondedSkippedMinutes: 0,
    resolveMinutes: 300,
    isInSla: true,
    currency: { id: 7, symbol: '$', currencyCode: 'USD', decimalSeparator: '.', numberOfDecimals: 2 },
    _info: { lastUpdated: '2026-03-02T15:10:00Z', updatedBy: 'akim', dateEntered: '2026-03-02T10:00:00Z', enteredBy: 'akim' },
    ...overrides,
  };
}

/** A `/time/entries` item from a production dump: full nested references, rates in the site's currency. */
function cwEntry(overrides: Record<string, unknown> = {}) {
  return {
    id: 88,
    company: { id: 40, identifier: 'NorthWind', name: 'Northwind Traders' },
    chargeToId: 5120,
    chargeToType: 'ServiceTicket',
    member: { id: 12, identifier: 'akim', name: 'Alex Kim', dailyCapacity: 0.0 },
    workType: { id: 3, name: 'Remote Support', utilizationFlag: true },
    workRole: { id: 10, name: 'Engineer' },
    timeStart: '2026-03-02T10:40:00Z',
    timeEnd: '2026-03-02T11:40:00Z',
    actualHours: 1.0,
    billableOption: 'Billable',
    hoursBilled: 1.0,
    hourlyRate: 19500.0,
    enteredBy: 'akim',
    dateEntered: '2026-03-02T11:41:10Z',
    _info: { lastUpdated: '2026-03-02T11:41:10Z', updatedBy: 'akim' },
    ...overrides,
  };
}

const cwMapTicket = (raw: unknown) => mapRecord('connectwise', 'tickets', raw);
const cwMapEntry = (raw: unknown) => mapRecord('connectwise', 'time_entries', raw);

describe('ConnectWise (issue #23 points 1-6)', () => {
  it('1: a ticket on the "No SLA" SLA (or with the 999-hour placeholder) has no SLA verdict', () => {
    const noSla = ticketOf(cwMapTicket(cwTicket({ sla: { id: 6, name: 'No SLA' }, respondedHours: 999, resolutionHours: 999 })));
    expect(noSla.sla_resolution_met).toBeNull();
    expect(noSla.sla_response_met).toBeNull();
    const placeholder = ticketOf(cwMapTicket(cwTicket({ respondedHours: 999.0, resplanHours: 999.0, resolutionHours: 999.0 })));
    expect(placeholder.sla_resolution_met).toBeNull();
    expect(placeholder.sla_response_met).toBeNull();
    // A real SLA still gives isInSla as the resolution verdict of a closed ticket.
    expect(ticketOf(cwMapTicket(cwTicket())).sla_resolution_met).toBe(true);
  });

  it("2: without respondedHours the response is judged against the SLA's own target when the SLA object carries it", () => {
    const expanded = cwTicket({ sla: { id: 3, name: 'Standard SLA', respondHours: 0.5, resolutionHours: 24 } });
    const late = ticketOf(cwMapTicket(expanded));
    expect(late.sla_response_met).toBe(false); // 40 business minutes > 30
    const inTime = ticketOf(cwMapTicket({ ...expanded, respondMinutes: 25 }));
    expect(inTime.sla_response_met).toBe(true);
    // respondedHours on the ticket wins over the SLA's default.
    expect(ticketOf(cwMapTicket({ ...expanded, respondedHours: 1 })).sla_response_met).toBe(true);
  });

  it('2: dateResplan stands in for a missing dateResponded', () => {
    const record = ticketOf(cwMapTicket(cwTicket({ dateResponded: null })));
    expect(record.first_response_at).toBe('2026-03-02T10:40:00.000Z');
  });

  it('3: a response seconds after (or before) the creation is no response: left out, with a warning', () => {
    const created = '2026-03-02T10:00:00Z';
    const before = cwMapTicket(cwTicket({ dateResponded: '2026-03-02T09:59:54Z', dateResplan: '2026-03-02T09:59:54Z' }));
    expect(ticketOf(before).first_response_at).toBeNull();
    expect(ticketOf(before).sla_response_met).toBeNull();
    expect(warningsOf(before).join('\n')).toMatch(/first_response_at.*no response/);
    const instant = ticketOf(cwMapTicket(cwTicket({ dateResponded: '2026-03-02T10:00:01Z', dateResplan: '2026-03-02T10:00:01Z' })));
    expect(instant.first_response_at).toBeNull();
    // A real response a few minutes in is kept.
    const real = ticketOf(cwMapTicket(cwTicket({ dateResponded: '2026-03-02T10:05:00Z' })));
    expect(real.first_response_at).toBe('2026-03-02T10:05:00.000Z');
    expect(real.created_at).toBe(new Date(created).toISOString());
  });

  it('4: time charged to a charge code (leave, internal) is flagged as not service-desk time', () => {
    const leave = entryOf(
      cwMapEntry(
        cwEntry({
          chargeToId: 4,
          chargeToType: 'ChargeCode',
          workType: { id: 4, name: 'Unpaid leave', utilizationFlag: false },
          billableOption: 'NoCharge',
        }),
      ),
    );
    expect(leave.non_service_desk).toBe(true);
    expect(leave.ticket_external_id).toBeNull();
    expect(leave.work_type).toBe('Unpaid leave');
    expect(entryOf(cwMapEntry(cwEntry())).non_service_desk).toBe(false);
    expect(entryOf(cwMapEntry(cwEntry({ chargeToType: 'ProjectTicket' }))).non_service_desk).toBe(false);
    expect(entryOf(cwMapEntry(cwEntry({ chargeToType: 'Activity' }))).non_service_desk).toBe(true);
  });

  it('5: the entry keeps the currency the PSA gives with its rate', () => {
    const record = entryOf(cwMapEntry(cwEntry({ currency: { id: 9, symbol: 'kr', currencyCode: 'ISK' } })));
    expect(record.currency).toBe('ISK');
    expect(record.hourly_rate).toBe(19500);
    expect(entryOf(cwMapEntry(cwEntry())).currency).toBeNull();
    // A currency that is no ISO code never costs the entry.
    const odd = cwMapEntry(cwEntry({ currency: { id: 3, currencyCode: 'Z-US$' } }));
    expect(entryOf(odd).currency).toBeNull();
    expect(warningsOf(odd).join('\n')).toMatch(/currency.*not an ISO 4217 code/);
  });

  it('6: an entry without _info takes updated_at from its dateEntered, with a warning', () => {
    const { _info: _drop, ...noInfo } = cwEntry();
    const result = cwMapEntry(noInfo);
    expect(entryOf(result).updated_at).toBe('2026-03-02T11:41:10.000Z');
    expect(warningsOf(result).join('\n')).toMatch(/updated_at.*dateEntered/);
  });

  it('6: a member object without a name falls back to its identifier and says so', () => {
    const result = cwMapEntry(cwEntry({ member: { id: 12, identifier: 'akim', firstName: 'Alex', lastName: 'Kim' } }));
    expect(entryOf(result).technician_name).toBe('akim');
    expect(warningsOf(result).join('\n')).toMatch(/technician_name.*identifier/);
  });
});

// ---------------------------------------------------------------------------------------------
// Autotask

/** A `Tickets` query item as a production zone returns it: picklists and references as integers. */
function atTicket(overrides: Record<string, unknown> = {}) {
  return {
    id: 41017,
    ticketNumber: 'T20250311.0007',
    title: 'VPN drops every hour',
    companyID: 812,
    assignedResourceID: 29682911,
    assignedResourceRoleID: 29683360,
    contractID: 29683370,
    createDate: '2025-03-11T08:12:05.410Z',
    completedDate: '2025-03-14T16:02:44.120Z',
    dueDateTime: '2025-03-13T17:00:00Z',
    firstResponseDateTime: '2025-03-11T09:30:00.000Z',
    lastActivityDate: '2025-03-14T16:03:10.950Z',
    lastTrackedModificationDateTime: '2025-03-11T08:12:05.410Z',
    priority: 2,
    queueID: 29683354,
    status: 5,
    ticketType: 1,
    source: 13,
    ...overrides,
  };
}

function atEntry(overrides: Record<string, unknown> = {}) {
  return {
    id: 7301,
    ticketID: 41017,
    resourceID: 29682911,
    roleID: 29683360,
    contractID: 29683370,
    billingCodeID: 29683501,
    internalBillingCodeID: 29683501,
    timeEntryType: 2,
    dateWorked: '2025-03-12T00:00:00Z',
    startDateTime: '2025-03-12T09:00:00Z',
    endDateTime: '2025-03-12T11:00:00Z',
    hoursWorked: 2.0,
    hoursToBill: 2.0,
    isNonBillable: false,
    createDateTime: '2025-03-12T11:01:00.000Z',
    lastModifiedDateTime: '2025-03-12T11:05:30.000Z',
    ...overrides,
  };
}

const atLabels: PsaLabels = {
  status: { '5': 'Complete', '10': 'Waiting Customer' },
  priority: { '2': 'High', '3': 'Medium' },
  queueID: { '29683354': 'Service Desk' },
  companyID: { '812': 'Fabrikam Ltd' },
  assignedResourceID: { '29682911': 'Robin Shaw' },
  resourceID: { '29682911': 'Robin Shaw' },
  billingCodeID: { '29683501': 'Remote Support' },
};

const atMapTicket = (raw: unknown, context?: MapContext) => mapRecord('autotask', 'tickets', raw, context);
const atMapEntry = (raw: unknown, context?: MapContext) => mapRecord('autotask', 'time_entries', raw, context);

describe('Autotask (issue #23 points 7-9, issue #18 point 9)', () => {
  it('7: picklist and reference ids are resolved through the labels map', () => {
    const record = ticketOf(atMapTicket(atTicket(), { labels: atLabels }));
    expect(record).toMatchObject({
      status: 'Complete',
      priority: 'High',
      board: 'Service Desk',
      client_id: '812',
      client_name: 'Fabrikam Ltd',
      technician_id: '29682911',
      technician_name: 'Robin Shaw',
    });
    const entry = entryOf(atMapEntry(atEntry(), { labels: atLabels }));
    expect(entry).toMatchObject({ technician_id: '29682911', technician_name: 'Robin Shaw', work_type: 'Remote Support' });
    // Without labels the raw ids stay, as text.
    expect(ticketOf(atMapTicket(atTicket()))).toMatchObject({ status: '5', priority: '2', board: '29683354', client_name: null });
  });

  it('8: updated_at is lastActivityDate for tickets (not the creation-time lastTrackedModificationDateTime)', () => {
    expect(ticketOf(atMapTicket(atTicket())).updated_at).toBe('2025-03-14T16:03:10.950Z');
    expect(entryOf(atMapEntry(atEntry())).updated_at).toBe('2025-03-12T11:05:30.000Z');
  });

  it('9: dueDateTime is the resolution due instant when the ticket has no SLA due date', () => {
    expect(ticketOf(atMapTicket(atTicket())).sla_resolution_due_at).toBe('2025-03-13T17:00:00.000Z');
    const withSla = ticketOf(atMapTicket(atTicket({ resolvedDueDateTime: '2025-03-12T17:00:00Z' })));
    expect(withSla.sla_resolution_due_at).toBe('2025-03-12T17:00:00.000Z');
  });

  it('3: a first response two seconds after creation is no response', () => {
    const result = atMapTicket(atTicket({ firstResponseDateTime: '2025-03-11T08:12:07.390Z' }));
    expect(ticketOf(result).first_response_at).toBeNull();
    expect(warningsOf(result).join('\n')).toMatch(/no response/);
  });

  it('4: internal time (no ticket and no task: leave, admin) is not service-desk time', () => {
    const { ticketID: _t, ...internal } = atEntry({ timeEntryType: 1 });
    expect(entryOf(atMapEntry(internal)).non_service_desk).toBe(true);
    expect(entryOf(atMapEntry(atEntry())).non_service_desk).toBe(false);
  });

  it("#18-9: the rate comes from the contract rate of the role, else the role's hourly rate", () => {
    const rates = { roles: { '29683360': 150 }, contract_roles: { '29683370': { '29683360': 135 } } };
    expect(entryOf(atMapEntry(atEntry(), { rates })).hourly_rate).toBe(135);
    expect(entryOf(atMapEntry(atEntry({ contractID: 1 }), { rates })).hourly_rate).toBe(150);
    expect(entryOf(atMapEntry(atEntry())).hourly_rate).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// HaloPSA

/** The single-ticket shape (`GET /api/Tickets/{id}`): ids, nested priority, ticket type with its default agent. */
function haloSingleTicket(overrides: Record<string, unknown> = {}) {
  return {
    id: 20411,
    dateoccurred: '2025-05-06T09:14:22.1234567Z',
    datecreated: '2025-05-06T09:14:22.1299999Z',
    summary: 'Cannot print to floor 2',
    status_id: 1,
    priority_id: 3,
    priority: { priorityid: 3, name: 'Medium', responsetime: 4.0, responseunits: 'H' },
    agent_id: 1,
    team: '1st Line',
    client_id: 31,
    client_name: 'Contoso Health',
    flastupdate: '2025-05-06T09:14:23.5Z',
    respondbydate: '2025-05-06T13:14:22.123Z',
    fixbydate: '2025-05-09T09:14:22.1234567Z',
    excludefromsla: false,
    sla_id: 1,
    tickettype: { id: 36, name: 'Incident', default_agent: 1, default_agent_name: 'Unassigned' },
    ...overrides,
  };
}

/** A system action from an actions feed: no agent, no timetaken, only the day/adjusted counters. */
function haloSystemAction(overrides: Record<string, unknown> = {}) {
  return {
    ticket_id: 20411,
    id: 2,
    outcome: 'Rule Applied',
    who: 'System',
    who_type: 0,
    who_agentid: 0,
    datetime: '2025-05-06T09:14:24.0011223Z',
    actiondatecreated: '2025-05-06T09:14:24.0011200Z',
    timetakendays: 0.0,
    timetakenadjusted: -0.0,
    actionchargehours: 0.0,
    actionchargeamount: 0.0,
    chargerate: 0,
    actisbillable: true,
    ...overrides,
  };
}

const haloMapTicket = (raw: unknown, context?: MapContext) => mapRecord('halopsa', 'tickets', raw, context);
const haloMapAction = (raw: unknown) => mapRecord('halopsa', 'time_entries', raw);

describe('HaloPSA (issue #23 points 11-13)', () => {
  it('11: the single-ticket shape maps: status through labels, flastupdate as updated_at, SLA due instants', () => {
    const record = ticketOf(haloMapTicket(haloSingleTicket(), { labels: { status_id: { '1': 'New' } } }));
    expect(record).toMatchObject({
      external_id: '20411',
      status: 'New',
      priority: 'Medium',
      updated_at: '2025-05-06T09:14:23.500Z',
      sla_response_due_at: '2025-05-06T13:14:22.123Z',
      sla_resolution_due_at: '2025-05-09T09:14:22.123Z',
    });
  });

  it('12: the instance\'s "Unassigned" agent is no technician', () => {
    const record = ticketOf(haloMapTicket(haloSingleTicket()));
    expect(record.technician_id).toBeNull();
    expect(record.technician_name).toBeNull();
    // The list shape says it by name.
    expect(ticketOf(haloMapTicket(haloSingleTicket({ tickettype: undefined, agent_name: 'Unassigned' }))).technician_id).toBeNull();
    // A real agent stays.
    const assigned = ticketOf(haloMapTicket(haloSingleTicket({ agent_id: 7, agent_name: 'Dana Fox' })));
    expect(assigned).toMatchObject({ technician_id: '7', technician_name: 'Dana Fox' });
  });

  it('13: an action that logs no time is skipped, not rejected', () => {
    const result = haloMapAction(haloSystemAction());
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ skipped: true, externalId: '20411:2' });
  });

  it('13: the time of a real action is read from timetakenadjusted when timetaken is absent', () => {
    const result = haloMapAction(haloSystemAction({ who: 'Dana Fox', who_agentid: 7, outcome: 'Remote session', timetakenadjusted: 0.75 }));
    expect(entryOf(result)).toMatchObject({ technician_id: '7', hours_worked: 0.75, external_id: '20411:2' });
  });
});
