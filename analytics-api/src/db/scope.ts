/**
 * A small number naming a database handle for the life of the process, for cache and queue keys
 * (kpi/read-cache.ts answers, exports/export-lock.ts). Process-wide on purpose: it holds no data,
 * only tells handles apart, and a handle's number is the same wherever it is asked for.
 */
const scopes = new WeakMap<object, number>();
let nextScope = 1;

/** A request's view of a database (request.db, Database.withCancelScope) has the number of the database it views. */
export function scopeOf(db: object): number {
  const handle = (db as { unscoped?: object }).unscoped ?? db;
  let scope = scopes.get(handle);
  if (scope === undefined) {
    scope = nextScope++;
    scopes.set(handle, scope);
  }
  return scope;
}
