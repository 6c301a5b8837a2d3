/**
 * SQL for psa_lookups (migration 004): the labels and rates of a tenant's PSA, per source and
 * entity, so that a push without them still resolves what an earlier push (or connector) sent.
 */
import type { Queryable } from '../db/database.js';
import type { Entity, PsaLabels, PsaRates, PsaSource } from './canonical.js';

interface LookupRow {
  kind: 'label' | 'rate';
  field: string;
  raw_value: string;
  value: string;
}

/** Contract rates are kept as field `contractID:roleID`, raw value `<contract>:<role>`. */
const ROLE_FIELD = 'roleID';
const CONTRACT_ROLE_FIELD = 'contractID:roleID';

function rowsOf(labels: PsaLabels | undefined, rates: PsaRates | undefined): LookupRow[] {
  const rows: LookupRow[] = [];
  for (const [field, values] of Object.entries(labels ?? {})) {
    for (const [raw, label] of Object.entries(values)) rows.push({ kind: 'label', field, raw_value: raw, value: label });
  }
  for (const [role, rate] of Object.entries(rates?.roles ?? {}))
    rows.push({ kind: 'rate', field: ROLE_FIELD, raw_value: role, value: String(rate) });
  for (const [contract, roles] of Object.entries(rates?.contract_roles ?? {})) {
    for (const [role, rate] of Object.entries(roles)) {
      rows.push({ kind: 'rate', field: CONTRACT_ROLE_FIELD, raw_value: `${contract}:${role}`, value: String(rate) });
    }
  }
  return rows;
}

export async function saveLookups(
  db: Queryable,
  key: { tenantId: string; source: PsaSource; entity: Entity },
  labels: PsaLabels | undefined,
  rates: PsaRates | undefined,
): Promise<void> {
  const rows = rowsOf(labels, rates);
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO psa_lookups (tenant_id, source, entity, kind, field, raw_value, value)
     SELECT $1::uuid, $2, $3, r.kind, r.field, r.raw_value, r.value
       FROM jsonb_to_recordset($4::jsonb) AS r(kind text, field text, raw_value text, value text)
     ON CONFLICT (tenant_id, source, entity, kind, field, raw_value)
     DO UPDATE SET value = EXCLUDED.value, updated_at = now()
     WHERE psa_lookups.value IS DISTINCT FROM EXCLUDED.value`,
    [key.tenantId, key.source, key.entity, JSON.stringify(rows)],
  );
}

export async function loadLookups(
  db: Queryable,
  key: { tenantId: string; source: PsaSource; entity: Entity },
): Promise<{ labels: PsaLabels; rates: PsaRates }> {
  const { rows } = await db.query<LookupRow>(
    `SELECT kind, field, raw_value, value FROM psa_lookups WHERE tenant_id = $1 AND source = $2 AND entity = $3`,
    [key.tenantId, key.source, key.entity],
  );
  const labels: PsaLabels = {};
  const rates: Required<PsaRates> = { roles: {}, contract_roles: {} };
  for (const row of rows) {
    if (row.kind === 'label') {
      (labels[row.field] ??= {})[row.raw_value] = row.value;
    } else if (row.field === ROLE_FIELD) {
      rates.roles[row.raw_value] = Number(row.value);
    } else if (row.field === CONTRACT_ROLE_FIELD) {
      const [contract, role] = row.raw_value.split(':');
      if (contract !== undefined && role !== undefined) (rates.contract_roles[contract] ??= {})[role] = Number(row.value);
    }
  }
  return { labels, rates };
}
