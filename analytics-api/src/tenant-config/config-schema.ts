import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { invalid, type FieldError } from '../errors.js';
import { KPI_KEYS } from '../kpi/kpi-keys.js';
import { parseIsoDate } from '../kpi/dates.js';

/**
 * The per-tenant configuration document of docs/kpis.md ("Per-tenant configuration"), plus
 * the fields later features need (currency, language, recipients, webhook), which change no KPI.
 * Every field is optional in a PUT: an omitted field takes its default (the document is replaced
 * as a whole). The defaults reproduce the fixed definitions exactly.
 */

const TIME = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$', description: 'local time HH:MM (24:00 = end of day)' });
const ISO_WEEKDAY = Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday' });
const HOURS = Type.Number({ minimum: 0, maximum: 24 });
const STRINGS = Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true });
const EMAIL = Type.String({ pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', maxLength: 254, description: 'e-mail address' });
const KPI_TARGET = Type.Union([
  Type.Object({ min: Type.Number() }, { additionalProperties: false }),
  Type.Object({ max: Type.Number() }, { additionalProperties: false }),
]);

export const ConfigDocumentSchema = Type.Object(
  {
    timezone: Type.String({ minLength: 1, description: "IANA time zone of the tenant's days (default UTC)" }),
    daily_capacity_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24, description: 'hours a technician works a day (default 8)' }),
    technician_capacity_hours: Type.Record(Type.String({ minLength: 1 }), HOURS, { description: 'technician_id → hours a day' }),
    workdays: Type.Array(ISO_WEEKDAY, { uniqueItems: true, description: 'days on which capacity counts (default all seven)' }),
    holidays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), {
      uniqueItems: true,
      description: 'local dates treated as non-workdays',
    }),
    priority_map: Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
      description: 'PSA priority label → normalized label',
    }),
    sla_targets: Type.Record(
      Type.String({ minLength: 1 }),
      Type.Object(
        {
          response_minutes: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          resolution_hours: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        },
        { additionalProperties: false },
      ),
      { description: 'normalized priority → targets' },
    ),
    business_hours: Type.Union([
      Type.Record(Type.String({ pattern: '^[1-7]$' }), Type.Tuple([TIME, TIME]), { description: 'ISO weekday → local [start, end)' }),
      Type.Null(),
    ]),
    sla_source: Type.Union([Type.Literal('psa_first'), Type.Literal('config_only')]),
    excluded: Type.Object(
      {
        boards: Type.Optional(STRINGS),
        client_ids: Type.Optional(STRINGS),
        work_types: Type.Optional(STRINGS),
      },
      { additionalProperties: false },
    ),
    kpi_targets: Type.Record(Type.String(), KPI_TARGET, {
      description: 'KPI key → { min } or { max }; drawn on the dashboard, never changes a value',
    }),
    currency: Type.Union([Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }), Type.Null()]),
    language: Type.Union([Type.Literal('en'), Type.Literal('fr')]),
    report_recipients: Type.Array(EMAIL, { uniqueItems: true }),
    alert_recipients: Type.Array(EMAIL, { uniqueItems: true }),
    alert_webhook_url: Type.Union([Type.String({ pattern: '^https?://[^\\s/?#]+[^\\s]*$', maxLength: 2048 }), Type.Null()]),
  },
  { additionalProperties: false },
);

/** A PUT body: the same fields, each optional. */
export const ConfigInputSchema = Type.Partial(ConfigDocumentSchema, { additionalProperties: false });

export type ConfigDocument = Static<typeof ConfigDocumentSchema>;
export type ConfigInput = Static<typeof ConfigInputSchema>;

export const DEFAULT_CONFIG: ConfigDocument = Object.freeze({
  timezone: 'UTC',
  daily_capacity_hours: 8,
  technician_capacity_hours: {},
  workdays: [1, 2, 3, 4, 5, 6, 7],
  holidays: [],
  priority_map: {},
  sla_targets: {},
  business_hours: null,
  sla_source: 'psa_first',
  excluded: { boards: [], client_ids: [], work_types: [] },
  kpi_targets: {},
  currency: null,
  language: 'en',
  report_recipients: [],
  alert_recipients: [],
  alert_webhook_url: null,
}) as ConfigDocument;

const checkInput = Compile(ConfigInputSchema);

/** 'technician_capacity_hours.t1' from '/technician_capacity_hours/t1'. */
function fieldOf(path: string): string {
  return path.replace(/^\//, '').replaceAll('/', '.') || '(document)';
}

/**
 * The document with every default filled in, or an `invalid` error listing each wrong field: an
 * unknown field, a wrong type or range (TypeBox schema), then what a schema cannot say (a start
 * not before its end, a date that does not exist, a KPI key that does not exist). The time zone
 * is checked against PostgreSQL by the service.
 */
export function normalizeConfig(input: unknown): ConfigDocument {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('the configuration must be a JSON object', [{ field: '(document)', detail: 'not an object' }]);
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (!(key in ConfigDocumentSchema.properties)) errors.push({ field: key, detail: 'unknown field' });
  }
  if (errors.length === 0 && !checkInput.Check(input)) {
    for (const error of checkInput.Errors(input)) {
      const extra = (error.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
      const field = fieldOf(error.instancePath) + (extra?.length ? `.${extra.join(',')}` : '');
      // A property outside a closed object fails its `false` schema: say what that means.
      const unknown = Boolean(extra?.length) || error.keyword === 'boolean' || error.message === 'schema is false';
      if (!errors.some((e) => e.field === field)) errors.push({ field, detail: unknown ? 'unknown field' : (error.message ?? 'invalid') });
    }
  }
  if (errors.length === 0) errors.push(...semanticErrors(input as ConfigInput));
  if (errors.length > 0) {
    throw invalid(`invalid configuration: ${errors.map((e) => `${e.field} ${e.detail}`).join('; ')}`, errors);
  }
  const given = input as ConfigInput;
  return {
    ...structuredClone(DEFAULT_CONFIG),
    ...structuredClone(given),
    excluded: { boards: [], client_ids: [], work_types: [], ...structuredClone(given.excluded ?? {}) },
  };
}

function semanticErrors(input: ConfigInput): FieldError[] {
  const errors: FieldError[] = [];
  for (const [day, [start, end]] of Object.entries(input.business_hours ?? {})) {
    if (end <= start) errors.push({ field: `business_hours.${day}`, detail: `end ${end} is not after start ${start}` });
  }
  for (const [index, date] of (input.holidays ?? []).entries()) {
    try {
      parseIsoDate(date, `holidays.${index}`);
    } catch {
      errors.push({ field: `holidays.${index}`, detail: `${date} is not a calendar date` });
    }
  }
  for (const key of Object.keys(input.kpi_targets ?? {})) {
    if (!(KPI_KEYS as readonly string[]).includes(key)) errors.push({ field: `kpi_targets.${key}`, detail: 'not a KPI key' });
  }
  return errors;
}

/** The part of the document the KPI computation reads (compute.sql.ts, parameter $6). */
export function kpiSettings(config: ConfigDocument): Record<string, unknown> {
  return {
    technician_capacity_hours: config.technician_capacity_hours,
    workdays: config.workdays,
    holidays: config.holidays,
    priority_map: config.priority_map,
    sla_targets: config.sla_targets,
    business_hours: config.business_hours,
    sla_source: config.sla_source,
    excluded: config.excluded,
  };
}
