/**
 * One entry point for every record that is ingested: `mapRecord(source, entity, raw)` turns a
 * native PSA record (or a canonical one) into a validated canonical record, or explains why not.
 * It never throws: one bad record must never fail the call that carries it.
 */
import type { CanonicalTicket, CanonicalTimeEntry, Entity, Source, PsaSource } from '../canonical.js';
import { readableExternalId, validateCanonical } from '../validate.js';
import { mapAutotaskTicket, mapAutotaskTimeEntry } from './autotask.js';
import { mapConnectWiseTicket, mapConnectWiseTimeEntry } from './connectwise.js';
import { asObject, type CanonicalDraft, type MapContext, type NativeObject } from './draft.js';
import { mapHaloAction, mapHaloTicket } from './halopsa.js';

export type MapResult =
  | { ok: true; record: CanonicalTicket | CanonicalTimeEntry; warnings: string[] }
  | { ok: false; skipped?: false; externalId: string | null; reasons: string[] }
  /** Not a record of this entity (e.g. a HaloPSA action that logs no time): counted, not stored, not rejected. */
  | { ok: false; skipped: true; externalId: string | null; reasons: string[] };

export type { MapContext };

type Mapper = (record: NativeObject, context: MapContext) => CanonicalDraft;

const MAPPERS: Record<PsaSource, Record<Entity, Mapper>> = {
  connectwise: { tickets: mapConnectWiseTicket, time_entries: mapConnectWiseTimeEntry },
  autotask: { tickets: mapAutotaskTicket, time_entries: mapAutotaskTimeEntry },
  halopsa: { tickets: mapHaloTicket, time_entries: mapHaloAction },
};

export function mapRecord(source: Source, entity: Entity, raw: unknown, context: MapContext = {}): MapResult {
  if (source === 'canonical') return validateCanonical(entity, raw);
  const native = asObject(raw);
  if (!native) return { ok: false, externalId: null, reasons: ['record must be a JSON object'] };
  let draft: CanonicalDraft;
  try {
    draft = MAPPERS[source][entity](native, context);
  } catch (error) {
    // Mappers read defensively; this only guards against a shape nobody foresaw.
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, externalId: readableExternalId(native.id), reasons: [`record could not be mapped from ${source}: ${detail}`] };
  }
  if (draft.skipReason !== null) {
    const externalId = typeof draft.values.external_id === 'string' ? draft.values.external_id : readableExternalId(native.id);
    return { ok: false, skipped: true, externalId, reasons: [draft.skipReason] };
  }
  const validated = validateCanonical(entity, draft.values, { fieldLabel: draft.label, warnUnknownFields: false });
  if (!validated.ok) {
    return { ok: false, externalId: validated.externalId ?? readableExternalId(native.id), reasons: validated.reasons };
  }
  return { ok: true, record: validated.record, warnings: [...draft.warnings, ...validated.warnings] };
}

export { CW_REOPEN_FIELD_CAPTION } from './connectwise.js';
export { AT_REOPEN_UDF_NAME, AT_STATUS_COMPLETE } from './autotask.js';
export { HALO_REOPEN_FIELD_NAME, haloInstant } from './halopsa.js';
