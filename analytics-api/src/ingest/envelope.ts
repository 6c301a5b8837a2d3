/**
 * What a push body may look like: the records as a JSON array, our own `{"records":[…]}`, or a PSA
 * response exactly as it came, so an n8n HTTP node can forward a page untouched:
 * - Autotask: `{"items":[…], "pageDetails":{…}}` (a query page) and `{"item":{…}}` (one entity);
 * - HaloPSA: `{"record_count":…, "tickets":[…]}` and `{"record_count":…, "actions":[…]}`.
 * An object body may carry `picklists` (labels of picklist values and references) and `rates`
 * next to the records. No HTTP here: the route hands over the parsed body.
 */
import { invalid } from '../errors.js';
import type { Entity, PsaLabels, PsaRates } from './canonical.js';
import { parseLabels, parseRates } from './lookups.js';

export interface IngestBody {
  records: unknown[];
  labels?: PsaLabels;
  rates?: PsaRates;
}

/** Wrapper keys that hold a list of one entity only; `records` and `items` hold either. */
const ENTITY_LIST_KEYS: Record<string, Entity> = { tickets: 'tickets', actions: 'time_entries' };
const ANY_LIST_KEYS = ['records', 'items'] as const;

const SHAPES =
  'a JSON array of records, {"records":[…]}, an Autotask page {"items":[…]} or entity {"item":{…}}, ' +
  'or a HaloPSA list {"tickets":[…]} / {"actions":[…]}';

/** Undefined for no body (mock mode); otherwise the records and what came alongside them. */
export function parseIngestBody(body: unknown, entity: Entity): IngestBody | undefined {
  if (body === undefined || body === null) return undefined;
  if (Array.isArray(body)) return { records: body };
  if (typeof body !== 'object') throw invalid(`the body must be ${SHAPES}`);
  const object = body as Record<string, unknown>;
  const records = recordsOf(object, entity);
  const labels = parseLabels(object.picklists, 'picklists');
  const rates = parseRates(object.rates, 'rates');
  return { records, ...(labels ? { labels } : {}), ...(rates ? { rates } : {}) };
}

function recordsOf(object: Record<string, unknown>, entity: Entity): unknown[] {
  for (const key of ANY_LIST_KEYS) {
    if (Array.isArray(object[key])) return object[key] as unknown[];
  }
  for (const [key, listEntity] of Object.entries(ENTITY_LIST_KEYS)) {
    if (!Array.isArray(object[key])) continue;
    if (listEntity !== entity) {
      throw invalid(`the body holds "${key}" (${listEntity}), but this call ingests ${entity}`, [{ field: key, detail: 'wrong entity' }]);
    }
    return object[key] as unknown[];
  }
  const item = object.item;
  if (typeof item === 'object' && item !== null && !Array.isArray(item)) return [item];
  throw invalid(`the body must be ${SHAPES}`);
}
