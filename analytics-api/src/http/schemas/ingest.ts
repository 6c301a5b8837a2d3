/**
 * The shapes of POST /internal/ingest/:entity, once each: the TypeBox schema validates and documents
 * the request, and `Static<>` gives the route its types (fastify/demo's `schemas/` layout).
 */
import { Type, type Static } from 'typebox';
import type { Entity, Source } from '../../ingest/canonical.js';

const Issue = Type.Object({ index: Type.Integer(), external_id: Type.Union([Type.String(), Type.Null()]), detail: Type.String() });

// Literal tuples (TypeBox types a union from a tuple, not from an array); the checks below fail to
// compile when canonical.ts's Entity or Source gains or loses a value.
export const EntitySchema = Type.Union([Type.Literal('tickets'), Type.Literal('time_entries')]);
export const SourceSchema = Type.Union([
  Type.Literal('canonical'),
  Type.Literal('connectwise'),
  Type.Literal('autotask'),
  Type.Literal('halopsa'),
]);
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const entitiesMatch: Same<Static<typeof EntitySchema>, Entity> = true;
const sourcesMatch: Same<Static<typeof SourceSchema>, Source> = true;
void entitiesMatch;
void sourcesMatch;

export const IngestParams = Type.Object({ entity: EntitySchema });

export const IngestQuery = Type.Object(
  {
    tenant_id: Type.String({ description: 'tenant UUID' }),
    source: Type.Optional(
      Type.Union(SourceSchema.anyOf, { description: "the records' format: canonical (default for push), connectwise, autotask, halopsa" }),
    ),
  },
  { additionalProperties: false },
);
export type IngestQuery = Static<typeof IngestQuery>;

export const IngestSummarySchema = Type.Object({
  run_id: Type.String({ format: 'uuid' }),
  tenant_id: Type.String({ format: 'uuid' }),
  entity: EntitySchema,
  source: SourceSchema,
  mode: Type.Union([Type.Literal('push'), Type.Literal('mock'), Type.Literal('sync')], {
    description: "push: records in the body; mock: the tenant's mock files; sync: a PSA connector run",
  }),
  received: Type.Integer(),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  skipped: Type.Integer({
    description: 'records that are not of this entity (e.g. HaloPSA actions that log no time): neither stored nor rejected',
  }),
  errors: Type.Array(Issue),
  warnings: Type.Array(Issue),
});
