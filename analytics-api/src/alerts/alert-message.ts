import { escapeHtml, formatDay, formatKpi, kpiLabel, TEXT, type Language } from '../reports/locale.js';
import type { KpiKey } from '../kpi/kpi-keys.js';
import type { KpiTarget } from './evaluate.js';

/**
 * The alert messages of one tenant's day: an e-mail (subject, text, html) and a chat message in the
 * incoming-webhook JSON that both Slack and Microsoft Teams accept (Slack reads `text`; Teams reads
 * the legacy MessageCard fields `@type`, `summary`, `title`, `text`).
 */

export interface BreachLine {
  kpi: KpiKey;
  value: number;
  target: KpiTarget;
  comparison: 'below_min' | 'above_max';
  previous_value: number | null;
}

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

// A type, not an interface: the route's response schema (a string record) must accept it.
export type WebhookMessage = {
  '@type': 'MessageCard';
  '@context': 'https://schema.org/extensions';
  summary: string;
  title: string;
  themeColor: string;
  text: string;
};

/** One line per breach: `SLA response compliance: 75 % (target at least 90 %; previous day 88 %)`. */
export function breachSentence(line: BreachLine, language: Language): string {
  const words = TEXT[language];
  const bound = formatKpi(line.kpi, 'min' in line.target ? line.target.min : line.target.max, language);
  const previous = formatKpi(line.kpi, line.previous_value, language);
  return `${kpiLabel(line.kpi, language)}${words.colon}${formatKpi(line.kpi, line.value, language)} (${words.target(line.comparison, bound)}; ${words.previous(previous)})`;
}

export function alertEmail(tenantName: string, date: string, lines: BreachLine[], dashboardUrl: string, language: Language): EmailMessage {
  const words = TEXT[language];
  const day = formatDay(date, language);
  const subject = words.alertSubject(tenantName, day, lines.length);
  const sentences = lines.map((line) => breachSentence(line, language));
  const text = [
    words.alertIntro(tenantName, day),
    '',
    ...sentences.map((s) => `- ${s}`),
    '',
    `${words.dashboard}${words.colon}${dashboardUrl}`,
    '',
  ].join('\n');
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933">',
    `<p>${escapeHtml(words.alertIntro(tenantName, day))}</p>`,
    `<ul>${sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`,
    `<p><a href="${escapeHtml(dashboardUrl)}">${escapeHtml(words.dashboard)}</a></p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

export function alertWebhook(
  tenantName: string,
  date: string,
  lines: BreachLine[],
  dashboardUrl: string,
  language: Language,
): WebhookMessage {
  const words = TEXT[language];
  const day = formatDay(date, language);
  const title = words.alertSubject(tenantName, day, lines.length);
  // One bullet per breach, then the link as a bare URL (both services make it clickable).
  const text = [...lines.map((line) => `- ${breachSentence(line, language)}`), '', `${words.dashboard}${words.colon}${dashboardUrl}`].join(
    '\n',
  );
  return { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: title, title, themeColor: 'D7263D', text };
}
