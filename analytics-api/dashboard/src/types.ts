/** Shapes of GET /v1/kpis/daily (see shared spec contract.md and kpis.md). */
export type Kpis = Record<string, number | null | undefined>;

export interface KpiGroup {
  key: string | null;
  label: string | null;
  kpis: Kpis;
}

export interface DailyItem {
  tenant_id: string;
  date: string;
  timezone: string;
  computed_at: string;
  data_as_of: string | null;
  kpis: Kpis;
  groups?: KpiGroup[];
}

export interface DailyList {
  tenant_id: string;
  items: DailyItem[];
}

export type GroupBy = 'client' | 'technician';

export interface DateRange {
  from: string;
  to: string;
}

/** GET /v1/sync-status */
export interface SyncStatus {
  psa: string | null;
  last_sync_at: string | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
}
