/**
 * The SQL of the per-tenant configuration's effects (shared/spec/kpis.md, "Per-tenant
 * configuration"), for a statement whose parameter `settings` holds the configuration's KPI
 * settings as jsonb (tenant-config/config-schema.ts kpiSettings: complete, defaults filled in)
 * and `timezone` the tenant's IANA zone. Shared by the KPI computation (compute.sql.ts) and the
 * export fact tables (exports/tables.ts), so both apply the same rules. With the defaults every
 * expression reduces to the fixed definition.
 */
export function configSql(settings: string, timezone: string) {
  const setting = (path: string) => `(${settings}::jsonb->${path})`;
  const normalizedPriority = (priority: string) => `COALESCE(${setting("'priority_map'")}->>${priority}, ${priority})`;
  const configOnly = `${setting("'sla_source'")} #>> '{}' = 'config_only'`;
  /** The due instant a target gives (minutes after creation, business time when set); NULL without one. */
  const targetDue = (t: string, field: 'response_minutes' | 'resolution_hours') =>
    `kpi_target_due(${t}.created_at, (${setting("'sla_targets'")}->${normalizedPriority(`${t}.priority`)}->>'${field}')::numeric` +
    `${field === 'resolution_hours' ? ' * 60' : ''}, ${timezone}::text, ${settings}::jsonb)`;
  return {
    setting,
    /** priority_map: the normalized label of a PSA priority; unmapped labels stay as they are. */
    normalizedPriority,
    /** A ticket counts unless its board or client is excluded. */
    ticketKept: (t: string) =>
      `NOT COALESCE(${setting("'excluded'->'boards'")} ? ${t}.board, false) AND NOT COALESCE(${setting("'excluded'->'client_ids'")} ? ${t}.client_id, false)`,
    /** A time entry counts unless its work type or its client (its own, else its ticket's) is excluded. */
    entryKept: (workType: string, clientId: string) =>
      `NOT COALESCE(${setting("'excluded'->'work_types'")} ? ${workType}, false) AND NOT COALESCE(${setting("'excluded'->'client_ids'")} ? ${clientId}, false)`,
    /**
     * The due instant a verdict is measured against: config_only → the target's; psa_first → the
     * source's, else the target's when the source gave no verdict either.
     */
    effectiveDue: (t: string, sourceMet: string, sourceDue: string, field: 'response_minutes' | 'resolution_hours') =>
      `CASE WHEN ${configOnly} THEN ${targetDue(t, field)}
            ELSE COALESCE(${t}.${sourceDue}, CASE WHEN ${t}.${sourceMet} IS NULL THEN ${targetDue(t, field)} END) END`,
    /**
     * A verdict (true met, false breached, NULL none): psa_first takes the source's flag, else its
     * due instant, else the target's; config_only only the target's.
     */
    verdict: (t: string, at: string, sourceMet: string, sourceDue: string, field: 'response_minutes' | 'resolution_hours') =>
      `CASE WHEN ${configOnly} THEN ${t}.${at} <= ${targetDue(t, field)}
            ELSE COALESCE(${t}.${sourceMet}, ${t}.${at} <= COALESCE(${t}.${sourceDue}, ${targetDue(t, field)})) END`,
    /** Whether a local date counts for capacity: a workday that is not a holiday. */
    capacityDay: (day: string) =>
      `COALESCE(${setting("'workdays'")} @> to_jsonb(extract(isodow FROM ${day})::integer), true) AND NOT COALESCE(${setting("'holidays'")} ? ${day}::text, false)`,
    /** A technician's own daily capacity, else the tenant's. */
    technicianCapacity: (technicianId: string, tenantCapacity: string) =>
      `COALESCE((${setting("'technician_capacity_hours'")}->>${technicianId})::numeric, ${tenantCapacity})`,
  };
}
