import type { Queryable } from '../db/database.js';
import { parseIsoDate } from '../kpi/dates.js';
import { assessDay, type DayStatus } from '../alerts/day-assessment.js';
import { getTenant } from '../tenants/tenant-service.js';
import type { Language } from './locale.js';
import { renderReport, type RenderedReport } from './render-report.js';

/** The morning report of one tenant's day, ready to send (WF-31). No HTTP here. */

export interface DailyReport extends RenderedReport {
  tenant_id: string;
  tenant_name: string;
  date: string;
  language: Language;
  status: DayStatus;
  /** The tenant's report_recipients: where WF-31 sends it (empty: not sent). */
  recipients: string[];
}

export interface ReportQuery {
  tenantId: string;
  /** Undefined → yesterday in the tenant's time zone. */
  date?: string;
  /** Undefined → the tenant's `language` setting. */
  lang?: Language;
}

/** Days in the report's trend, the report's day included. */
const TREND_DAYS = 7;

export async function dailyReport(db: Queryable, query: ReportQuery, dashboardUrl: string): Promise<DailyReport> {
  const date = query.date === undefined ? undefined : parseIsoDate(query.date, 'date');
  const tenant = await getTenant(db, query.tenantId);
  const assessment = await assessDay(db, tenant, date, TREND_DAYS);
  const language = query.lang ?? assessment.config.language;
  const rendered = renderReport({
    tenantName: tenant.name,
    date: assessment.date,
    language,
    status: assessment.status,
    kpis: assessment.day?.kpis,
    previous: assessment.previous?.kpis,
    week: assessment.week.map((d) => ({
      date: d.date,
      opened: d.day?.kpis.tickets_opened ?? null,
      closed: d.day?.kpis.tickets_closed ?? null,
    })),
    breaches: assessment.verdict.breaches.map((b) => ({ ...b, previous_value: assessment.previous?.kpis[b.kpi] ?? null })),
    noVerdict: assessment.verdict.no_verdict,
    dashboardUrl,
  });
  return {
    tenant_id: tenant.id,
    tenant_name: tenant.name,
    date: assessment.date,
    language,
    status: assessment.status,
    recipients: assessment.config.report_recipients,
    ...rendered,
  };
}
