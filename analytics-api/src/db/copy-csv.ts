import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { beginReadStatements } from './snapshot.js';

/**
 * COPY takes no bind parameters, so each `$n` of the query is read back from a transaction-local
 * setting that was itself set through a bind parameter: values never enter the SQL text.
 * current_setting() is stable, so the planner evaluates it when it estimates: the plan fits the
 * tenant's real row counts, as with a bound parameter (behind a sub-select, it planned for an average
 * tenant, and a tenant without time entries paid seconds for a hash join over its tickets).
 */
const setting = (n: number) => `msp.copy_param_${n}`;
const PARAMETER = /\$(\d+)/g;

function withSettingParameters(text: string, count: number): string {
  return text.replace(PARAMETER, (_, digits: string) => {
    const n = Number(digits);
    if (n < 1 || n > count) throw new Error(`COPY query uses $${n} but ${count} parameters were given`);
    return `current_setting('${setting(n)}')`;
  });
}

/**
 * The stream's read buffer. Small, so that the consumer gets the bytes in small pieces as they
 * arrive: with megabytes buffered, PostgreSQL stalled on a full socket while a large piece was
 * being handled (measured: 0.55–0.65× COPY with 4 MB, 0.63–0.74× with 64 KB, interleaved pairs).
 */
const READ_BUFFER_BYTES = 64 << 10;

/**
 * Streams `COPY (<text>) TO STDOUT (FORMAT csv)` in a read-only transaction on `client`, a
 * connection of its own (see postgres.ts). Settings of that transaction, measured on the export of
 * a million tickets:
 * - extra_float_digits = 1: float8 text is the shortest round-trip digits, whatever the server's default;
 * - jit off: these are streaming projections, and compiling them cost 0.1–1.8 s per table for no
 *   measurable gain (fact_time_entries of 2M entries: 11.1–13.9 s without, 12.3–15.4 s with);
 * - enable_sort off: the rows come in key order from the primary key instead of a parallel sort,
 *   whose workers spill the table to disk and take the cores the transcoding needs (fact_tickets
 *   7.9–8.5 s and 13–14 s of CPU, against 8.5–9.2 s and 14.4–16 s);
 * - the parameters, `msp.copy_param_<n>`;
 * - with `snapshot`, the export's shared snapshot (db/snapshot.ts).
 */
export async function* copyCsvOut(
  client: pg.Client,
  text: string,
  params: readonly unknown[],
  snapshot?: string,
): AsyncGenerator<Uint8Array> {
  for (const statement of beginReadStatements(snapshot)) await client.query(statement);
  const names = ['extra_float_digits', 'jit', 'enable_sort'];
  const values = ['1', 'off', 'off'];
  for (let i = 0; i < params.length; i += 1) {
    const value = params[i];
    if (value === null || value === undefined) throw new Error(`COPY parameter $${i + 1} is null`);
    names.push(setting(i + 1));
    values.push(String(value));
  }
  await client.query('SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s (name, value)', [names, values]);
  const copy = copyTo(`COPY (${withSettingParameters(text, params.length)}) TO STDOUT (FORMAT csv)`, { highWaterMark: READ_BUFFER_BYTES });
  for await (const chunk of client.query(copy)) {
    yield chunk as Uint8Array;
  }
  await client.query('COMMIT');
}
