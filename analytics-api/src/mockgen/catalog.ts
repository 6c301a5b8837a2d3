/**
 * What MSP tickets are about, in PSA-neutral terms: the generator draws a kind of work, and each
 * PSA renderer gives it that PSA's board/queue/team and picklist ids.
 */
import type { Rng } from './prng.js';

/** Neutral priorities: 1 = critical … 4 = low. */
export type Priority = 1 | 2 | 3 | 4;

/** Neutral boards; every PSA renderer maps these to its own boards, queues or teams. */
export type Board = 'helpdesk' | 'escalations' | 'monitoring' | 'projects';

export type Channel = 'phone' | 'email' | 'portal' | 'monitoring';

export interface TicketKind {
  summary: string;
  board: Board;
  channel: Channel;
  /** Relative frequency. */
  weight: number;
  /** Priority weights P1..P4 for this kind of ticket. */
  priorities: readonly [number, number, number, number];
}

const HOSTS = ['SRV-DC01', 'SRV-FS01', 'SRV-SQL02', 'SRV-APP01', 'SRV-RDS03', 'NAS-01', 'FW-EDGE01', 'SW-CORE02'];
const APPS = ['Outlook', 'Teams', 'OneDrive', 'Excel', 'Adobe Acrobat', 'Chrome', 'QuickBooks', 'Xero', 'Zoom'];
const PEOPLE = ['the reception desk', 'accounts', 'the practice manager', 'a new starter', 'the director', 'the warehouse team'];

/** `{host}`, `{app}` and `{who}` are filled in per ticket. */
const TICKET_KINDS: readonly TicketKind[] = [
  { summary: '{app} keeps asking for the password', board: 'helpdesk', channel: 'phone', weight: 9, priorities: [0, 2, 7, 3] },
  { summary: 'Cannot connect to the VPN from home', board: 'helpdesk', channel: 'phone', weight: 6, priorities: [0, 3, 6, 1] },
  { summary: 'Printer offline for {who}', board: 'helpdesk', channel: 'portal', weight: 6, priorities: [0, 1, 6, 4] },
  { summary: 'New starter: laptop and Microsoft 365 account', board: 'helpdesk', channel: 'email', weight: 4, priorities: [0, 0, 4, 6] },
  { summary: 'Leaver: disable account and forward mailbox', board: 'helpdesk', channel: 'email', weight: 3, priorities: [0, 1, 5, 4] },
  { summary: 'Reset MFA for {who}', board: 'helpdesk', channel: 'phone', weight: 5, priorities: [0, 3, 6, 1] },
  { summary: 'Suspicious email reported by {who}', board: 'escalations', channel: 'email', weight: 4, priorities: [1, 5, 4, 0] },
  { summary: '{app} crashes on start-up', board: 'helpdesk', channel: 'portal', weight: 5, priorities: [0, 1, 6, 3] },
  { summary: 'Shared mailbox access for {who}', board: 'helpdesk', channel: 'email', weight: 4, priorities: [0, 0, 5, 5] },
  { summary: 'Wi-Fi drops in the meeting room', board: 'helpdesk', channel: 'phone', weight: 3, priorities: [0, 2, 6, 2] },
  { summary: 'PC very slow for {who}', board: 'helpdesk', channel: 'portal', weight: 5, priorities: [0, 1, 5, 4] },
  { summary: 'Install {app} for {who}', board: 'helpdesk', channel: 'portal', weight: 4, priorities: [0, 0, 3, 7] },
  { summary: 'Internet down at the office', board: 'escalations', channel: 'phone', weight: 2, priorities: [6, 4, 0, 0] },
  { summary: 'File share not reachable on {host}', board: 'escalations', channel: 'phone', weight: 2, priorities: [4, 5, 1, 0] },
  { summary: '[RMM] Backup job failed on {host}', board: 'monitoring', channel: 'monitoring', weight: 5, priorities: [0, 4, 5, 1] },
  { summary: '[RMM] Low disk space on {host}', board: 'monitoring', channel: 'monitoring', weight: 5, priorities: [0, 2, 6, 2] },
  { summary: '[RMM] {host} offline', board: 'monitoring', channel: 'monitoring', weight: 3, priorities: [3, 5, 2, 0] },
  {
    summary: '[RMM] Pending reboot after patching on {host}',
    board: 'monitoring',
    channel: 'monitoring',
    weight: 3,
    priorities: [0, 0, 3, 7],
  },
  { summary: 'Firewall firmware update', board: 'projects', channel: 'email', weight: 1, priorities: [0, 0, 3, 7] },
  { summary: 'Migrate {host} to the new hypervisor', board: 'projects', channel: 'email', weight: 1, priorities: [0, 0, 4, 6] },
];

const KIND_WEIGHTS = TICKET_KINDS.map((kind) => [kind, kind.weight] as const);

export function drawTicketKind(rng: Rng): TicketKind {
  return rng.weighted(KIND_WEIGHTS);
}

export function fillSummary(template: string, rng: Rng): string {
  return template.replace('{host}', rng.pick(HOSTS)).replace('{app}', rng.pick(APPS)).replace('{who}', rng.pick(PEOPLE));
}

export function drawPriority(kind: TicketKind, rng: Rng): Priority {
  const [p1, p2, p3, p4] = kind.priorities;
  return rng.weighted([
    [1, p1],
    [2, p2],
    [3, p3],
    [4, p4],
  ] as const);
}

/** SLA targets in hours by priority (wall-clock here; a real PSA counts business hours). */
export const RESPONSE_TARGET_HOURS: Record<Priority, number> = { 1: 1, 2: 2, 3: 4, 4: 8 };
export const RESOLUTION_TARGET_HOURS: Record<Priority, number> = { 1: 4, 2: 8, 3: 24, 4: 72 };

/** Non-ticket time, as technicians log it. */
export type InternalWork = 'Admin' | 'Training' | 'Team meeting';
export const INTERNAL_WORK: readonly (readonly [InternalWork, number])[] = [
  ['Admin', 5],
  ['Training', 2],
  ['Team meeting', 2],
];

/** What a technician writes on a time entry. */
export const WORK_NOTES: readonly string[] = [
  'Remote session, fixed',
  'Called user, talked through it',
  'Checked logs, applied fix',
  'Escalated to vendor',
  'Changed config and tested',
  'Updated client notes',
  'Confirmed resolved with user',
  'Root cause found',
];
