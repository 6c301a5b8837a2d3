/** The shapes of GET /internal/reports/daily: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';
import { LANGUAGES } from '../../reports/locale.js';
import { CalendarDate, Literals, TenantId } from './common.js';

export const ReportQuery = Type.Object(
  {
    tenant_id: TenantId,
    date: Type.Optional(CalendarDate),
    lang: Type.Optional(Literals(LANGUAGES, { description: "overrides the tenant's language setting" })),
  },
  { additionalProperties: false },
);

export const DailyReportSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  tenant_name: Type.String(),
  date: Type.String(),
  language: Literals(LANGUAGES),
  status: Type.String({ description: 'missing, stale, no_targets, breached or ok' }),
  recipients: Type.Array(Type.String()),
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
});
