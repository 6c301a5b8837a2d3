/** Shapes several route modules share: TypeBox schemas, types by `Static<>`. */
import { Type, type TSchemaOptions, type TUnsafe } from 'typebox';

/** The schema checks the form; services still lower-case and look the tenant up (tenant-service.ts). */
export const TenantId = Type.String({ format: 'uuid', description: 'tenant UUID' });

export const TenantParams = Type.Object({ id: TenantId });

/** The form only: whether the day exists is kpi/dates.ts's parseIsoDate, which names the field. */
export const CalendarDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'calendar date, YYYY-MM-DD' });

/**
 * One of a fixed list of strings, as a union of literals (the error handler words a miss as "must be
 * one of ..."). A union built from a runtime array types as `never` in TypeBox; Unsafe gives it the
 * list's own type and keeps the same JSON Schema.
 */
export function Literals<T extends string>(values: readonly T[], options: TSchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>(
    Type.Union(
      values.map((value) => Type.Literal(value)),
      options,
    ),
  );
}
