/**
 * Calls of the per-tenant configuration's SQL functions (migration 011) for a statement whose
 * parameter `settings` holds the configuration's KPI settings as jsonb (tenant-config/config-schema.ts
 * kpiSettings: complete, defaults filled in). The export fact tables (exports/tables.ts) use these;
 * the KPI computation (compute.sql.ts) calls the same functions in its text, so both apply the same
 * rules. The SLA functions, kpi_sla_due and kpi_sla_verdict, are called directly.
 */
export function configSql(settings: string) {
  return {
    /** priority_map: the normalized label of a PSA priority; unmapped labels stay as they are. */
    normalizedPriority: (priority: string) => `kpi_priority(${settings}::jsonb, ${priority})`,
    /** A ticket counts unless its board or client is excluded. */
    ticketKept: (t: string) => `kpi_ticket_kept(${settings}::jsonb, ${t}.board, ${t}.client_id)`,
    /** A time entry counts unless its work type or its client (its own, else its ticket's) is excluded. */
    entryKept: (workType: string, clientId: string) => `kpi_entry_kept(${settings}::jsonb, ${workType}, ${clientId})`,
  };
}
