import type { KpiKey } from '../kpi/kpi-keys.js';

/**
 * The words and number forms of the messages (morning report, alert e-mail, chat message), in the
 * languages a tenant can choose (configuration field `language`).
 */
export type Language = 'en' | 'fr';
export const LANGUAGES: readonly Language[] = ['en', 'fr'];

type Unit = '%' | 'min' | 'h' | '';

/** Label of each KPI in each language, and its unit. */
const KPI_LABELS: Record<KpiKey, { en: string; fr: string; unit: Unit }> = {
  tickets_opened: { en: 'Tickets opened', fr: 'Tickets ouverts', unit: '' },
  tickets_closed: { en: 'Tickets closed', fr: 'Tickets fermés', unit: '' },
  net_flow: { en: 'Net flow', fr: 'Flux net', unit: '' },
  kill_rate_pct: { en: 'Kill rate', fr: 'Taux de clôture', unit: '%' },
  backlog_open: { en: 'Open backlog', fr: 'Tickets en cours', unit: '' },
  backlog_age_0_7d: { en: 'Backlog 0–7 days', fr: 'En cours 0–7 jours', unit: '' },
  backlog_age_8_14d: { en: 'Backlog 8–14 days', fr: 'En cours 8–14 jours', unit: '' },
  backlog_age_15_30d: { en: 'Backlog 15–30 days', fr: 'En cours 15–30 jours', unit: '' },
  backlog_age_31d_plus: { en: 'Backlog over 30 days', fr: 'En cours plus de 30 jours', unit: '' },
  first_response_count: { en: 'First responses', fr: 'Premières réponses', unit: '' },
  first_response_avg_minutes: { en: 'First response, average', fr: 'Première réponse, moyenne', unit: 'min' },
  first_response_median_minutes: { en: 'First response, median', fr: 'Première réponse, médiane', unit: 'min' },
  resolution_avg_hours: { en: 'Resolution, average', fr: 'Résolution, moyenne', unit: 'h' },
  resolution_median_hours: { en: 'Resolution, median', fr: 'Résolution, médiane', unit: 'h' },
  sla_response_met: { en: 'SLA response met', fr: 'SLA réponse respecté', unit: '' },
  sla_response_breached: { en: 'SLA response breached', fr: 'SLA réponse dépassé', unit: '' },
  sla_response_pct: { en: 'SLA response compliance', fr: 'Conformité SLA réponse', unit: '%' },
  sla_resolution_met: { en: 'SLA resolution met', fr: 'SLA résolution respecté', unit: '' },
  sla_resolution_breached: { en: 'SLA resolution breached', fr: 'SLA résolution dépassé', unit: '' },
  sla_resolution_pct: { en: 'SLA resolution compliance', fr: 'Conformité SLA résolution', unit: '%' },
  same_day_close_pct: { en: 'Closed the same day', fr: 'Fermés le jour même', unit: '%' },
  reopen_rate_pct: { en: 'Reopen rate', fr: 'Taux de réouverture', unit: '%' },
  hours_worked: { en: 'Hours worked', fr: 'Heures travaillées', unit: 'h' },
  hours_billable: { en: 'Billable hours', fr: 'Heures facturables', unit: 'h' },
  hours_billed: { en: 'Hours billed', fr: 'Heures facturées', unit: 'h' },
  billable_ratio_pct: { en: 'Billable ratio', fr: 'Part facturable', unit: '%' },
  active_technicians: { en: 'Active technicians', fr: 'Techniciens actifs', unit: '' },
  capacity_hours: { en: 'Capacity', fr: 'Capacité', unit: 'h' },
  utilization_pct: { en: 'Utilization', fr: 'Utilisation', unit: '%' },
  billable_amount: { en: 'Billable amount', fr: 'Montant facturable', unit: '' },
  effective_hourly_rate: { en: 'Effective hourly rate', fr: 'Taux horaire effectif', unit: '' },
  tickets_closed_per_technician: { en: 'Tickets closed per technician', fr: 'Tickets fermés par technicien', unit: '' },
};

export function kpiLabel(kpi: KpiKey, language: Language): string {
  return KPI_LABELS[kpi][language];
}

/**
 * A KPI value as the API gives it (already rounded to 2 decimals), with no thousands separator and
 * the language's decimal mark, so that the number read in a message is the number of
 * /v1/kpis/daily. null → an em dash.
 */
export function formatNumber(value: number | null, language: Language): string {
  if (value === null) return '—';
  const plain = String(value);
  return language === 'fr' ? plain.replace('.', ',') : plain;
}

/** The value with its unit (`87.5 %`, `42 min`, `3.25 h`, `12`). */
export function formatKpi(kpi: KpiKey, value: number | null, language: Language): string {
  const unit = KPI_LABELS[kpi].unit;
  const number = formatNumber(value, language);
  return value === null || unit === '' ? number : `${number} ${unit}`;
}

// Day and month names written out here rather than taken from Intl: the ICU data bundled with
// Node changes punctuation between versions ("Monday, 30" / "Monday 30"), and a message must not.
const WEEKDAYS = {
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  fr: ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'],
};
const MONTHS = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
};

function parts(date: string): { weekday: number; day: number; month: number; year: number } {
  const at = new Date(`${date}T00:00:00Z`);
  return { weekday: (at.getUTCDay() + 6) % 7, day: at.getUTCDate(), month: at.getUTCMonth(), year: at.getUTCFullYear() };
}

/** `2026-11-30` → `Monday 30 November 2026` / `lundi 30 novembre 2026` (a calendar day, no time zone shift). */
export function formatDay(date: string, language: Language): string {
  const p = parts(date);
  return `${WEEKDAYS[language][p.weekday]} ${p.day} ${MONTHS[language][p.month]} ${p.year}`;
}

/** `2026-11-30` → `Mon 30` / `lun 30`: the axis labels of the week's trend. */
export function formatShortDay(date: string, language: Language): string {
  const p = parts(date);
  return `${WEEKDAYS[language][p.weekday]!.slice(0, 3)} ${p.day}`;
}

/** The sentences of the messages. */
export const TEXT = {
  en: {
    colon: ': ',
    reportSubject: (tenant: string, day: string) => `${tenant} — service desk report for ${day}`,
    reportTitle: 'Service desk report',
    weekTrend: 'The last seven days: tickets opened and closed',
    opened: 'opened',
    closed: 'closed',
    breaches: 'Targets missed',
    noBreach: 'Every KPI target was met.',
    noTargets: 'No KPI target is set for this tenant.',
    noVerdict: (labels: string) => `No value, so no verdict, for: ${labels}.`,
    stale: 'These figures were computed with an older configuration and are being recomputed; targets are checked once they are current.',
    missing: 'The KPIs of this day have not been computed yet: nothing can be said about it.',
    dashboard: 'Open the dashboard',
    target: (comparison: 'below_min' | 'above_max', bound: string) =>
      comparison === 'below_min' ? `target at least ${bound}` : `target at most ${bound}`,
    previous: (value: string) => `previous day ${value}`,
    alertSubject: (tenant: string, day: string, count: number) =>
      `[MSP Analytics] ${tenant}: ${count} KPI target${count === 1 ? '' : 's'} missed on ${day}`,
    alertIntro: (tenant: string, day: string) => `${tenant} missed these KPI targets on ${day}:`,
    noDay: 'no data',
  },
  fr: {
    // French typography: a (non-breaking) space before the colon.
    colon: '\u00a0: ',
    reportSubject: (tenant: string, day: string) => `${tenant} — rapport du support du ${day}`,
    reportTitle: 'Rapport du support',
    weekTrend: 'Les sept derniers jours : tickets ouverts et fermés',
    opened: 'ouverts',
    closed: 'fermés',
    breaches: 'Objectifs manqués',
    noBreach: 'Tous les objectifs ont été atteints.',
    noTargets: 'Aucun objectif de KPI n’est défini pour ce client.',
    noVerdict: (labels: string) => `Aucune valeur, donc aucun verdict, pour : ${labels}.`,
    stale:
      'Ces chiffres ont été calculés avec une ancienne configuration et sont en cours de recalcul ; les objectifs seront vérifiés ensuite.',
    missing: 'Les KPI de ce jour ne sont pas encore calculés : rien ne peut en être dit.',
    dashboard: 'Ouvrir le tableau de bord',
    target: (comparison: 'below_min' | 'above_max', bound: string) =>
      comparison === 'below_min' ? `objectif au moins ${bound}` : `objectif au plus ${bound}`,
    previous: (value: string) => `veille ${value}`,
    alertSubject: (tenant: string, day: string, count: number) =>
      `[MSP Analytics] ${tenant} : ${count} objectif${count === 1 ? '' : 's'} de KPI manqué${count === 1 ? '' : 's'} le ${day}`,
    alertIntro: (tenant: string, day: string) => `${tenant} a manqué ces objectifs de KPI le ${day} :`,
    noDay: 'pas de données',
  },
} as const;

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}
