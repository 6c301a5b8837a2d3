/**
 * The mock MSPs: one per PSA, each in its own time zone (one far from UTC), with the people and
 * customers that appear in its data. Ids are fixed so that tests, docs and n8n workflows can name
 * them; `550e8400-…` is the tenant of the original deployment plan.
 */
import type { PsaSource, Source } from '../ingest/canonical.js';

/** One entry of mock-data/tenants.json (read by `seed-mock`). */
export interface MockTenant {
  id: string;
  name: string;
  timezone: string;
  daily_capacity_hours: number;
  /** The tenant's PSA; `canonical` for a set generated with `--format canonical`. */
  source: Source;
}

export interface MockCompany {
  name: string;
  /** ConnectWise company identifier style: letters only, no spaces. */
  identifier: string;
}

export interface TenantProfile {
  tenant: MockTenant & { source: PsaSource };
  /** Technicians in the committed set (8–15); larger runs add more in proportion to tickets. */
  technicians: number;
  /** Tickets created on an ordinary weekday in the committed set. */
  ticketsPerWeekday: number;
  technicianNames: readonly string[];
  clientNames: readonly string[];
  /** The MSP itself: the company internal time is charged to. */
  msp: MockCompany;
  /** Currency-neutral hourly rates the MSP charges, low and high end of its client base. */
  rateRange: readonly [number, number];
  /**
   * ISO weekdays (1 = Monday … 7 = Sunday) the desk is staffed. On the other days one on-call
   * technician handles the urgent tickets and everything else waits for the next workday.
   */
  workdays: readonly number[];
}

const MONDAY_TO_FRIDAY = [1, 2, 3, 4, 5] as const;

export const MOCK_TENANT_PROFILES: readonly TenantProfile[] = [
  {
    tenant: {
      id: '550e8400-e29b-41d4-a716-446655440000',
      name: 'Northwind IT Services',
      timezone: 'America/New_York',
      daily_capacity_hours: 8,
      source: 'connectwise',
    },
    technicians: 10,
    workdays: MONDAY_TO_FRIDAY,
    ticketsPerWeekday: 28,
    technicianNames: [
      'Jamie Carter',
      'Priya Raman',
      'Marcus Bell',
      'Elena Ortiz',
      'Tyler Brooks',
      'Dana Whitfield',
      'Kevin Osei',
      'Rachel Kim',
      'Sam Delgado',
      'Olivia Grant',
      'Nate Fischer',
      'Hannah Price',
      'Victor Lam',
      'Grace Holloway',
      'Luis Moreno',
    ],
    clientNames: [
      'Brightwater Dental',
      'Hudson Valley Realty',
      'Keystone Logistics',
      'Maple Street Law Group',
      'Cedar Ridge Veterinary',
      'Atlas Engineering',
      'Harborview Insurance',
      'Summit CPA Partners',
      'Greenline Architects',
      'Riverbend Medical',
      'Blue Heron Marketing',
      'Patriot Manufacturing',
      'Lakeside Schools Foundation',
      'Oakmont Financial',
      'Silverline Construction',
      'Pinecrest Clinic',
      'Redwood Title Co',
      'Union Square Bakery',
    ],
    msp: { name: 'Northwind IT Services', identifier: 'NorthwindIT' },
    rateRange: [125, 185],
  },
  {
    tenant: {
      id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      name: 'Rive Gauche Infogérance',
      timezone: 'Europe/Paris',
      daily_capacity_hours: 7,
      source: 'autotask',
    },
    technicians: 9,
    workdays: MONDAY_TO_FRIDAY,
    ticketsPerWeekday: 25,
    technicianNames: [
      'Camille Laurent',
      'Julien Moreau',
      'Sophie Bernard',
      'Antoine Dubois',
      'Léa Fontaine',
      'Hugo Lefèvre',
      'Manon Girard',
      'Thomas Mercier',
      'Chloé Lambert',
      'Nicolas Rousseau',
      'Inès Faure',
      'Mathieu Blanc',
    ],
    clientNames: [
      'Cabinet Durand Avocats',
      'Boulangerie Martin',
      'Pharmacie du Marché',
      'Atelier Lumière',
      'Groupe Hôtelier Seine',
      'Clinique Saint-Vincent',
      'Transports Lefort',
      'Agence Immobilière Voltaire',
      'Éditions Belleville',
      'Cave à Vins Montparnasse',
      'Mutuelle des Artisans',
      'Lycée Privé Sainte-Anne',
      'Architectes Associés Rivoli',
      'Institut Beauté Marais',
    ],
    msp: { name: 'Rive Gauche Infogérance', identifier: 'RiveGauche' },
    rateRange: [85, 130],
  },
  {
    tenant: {
      id: '9b2d5c3e-6f1a-4e8b-9c7d-2a4f6e8b0c1d',
      name: 'Harbour Bridge Managed Services',
      timezone: 'Australia/Sydney',
      daily_capacity_hours: 7.6,
      source: 'halopsa',
    },
    technicians: 8,
    workdays: MONDAY_TO_FRIDAY,
    ticketsPerWeekday: 23,
    technicianNames: [
      'Liam Nguyen',
      'Chloe Mitchell',
      'Jack Thompson',
      'Mia Patel',
      'Noah Williams',
      'Zoe Anderson',
      'Ethan Kelly',
      "Ruby O'Brien",
      'Oscar Tran',
      'Isla Campbell',
      'Harrison Lee',
    ],
    clientNames: [
      'Bondi Physio Group',
      'Parramatta Freight',
      'Coastal Accountants',
      'Manly Surf Co',
      'Northshore Family Law',
      'Redfern Creative Studio',
      'Blue Mountains Winery',
      'Harbourside Dental',
      'Chatswood Engineering',
      'Newtown Cafe Collective',
      'Sutherland Aged Care',
      'Eastern Suburbs Realty',
      'Penrith Auto Parts',
      'Macquarie Wealth',
      'Cronulla Sailing Club',
      'Hornsby Vet Clinic',
      'Surry Hills Architects',
      'Ryde Community Health',
      'Balmain Boatworks',
      'Liverpool Plumbing Supplies',
      'Darling Harbour Events',
      'Mosman Prep School',
    ],
    msp: { name: 'Harbour Bridge Managed Services', identifier: 'HarbourBridge' },
    rateRange: [140, 210],
  },
];

export function profileOf(tenantId: string): TenantProfile | undefined {
  return MOCK_TENANT_PROFILES.find((profile) => profile.tenant.id === tenantId.toLowerCase());
}

export function identifierOf(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 30);
}
