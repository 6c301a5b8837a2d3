import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * COPY takes no bind parameters, so each `$n` of the query is read back from a transaction-local
 * setting that was itself set through a bind parameter: values never enter the SQL text. The
 * sub-select makes PostgreSQL read the setting once per statement (an InitPlan), not once per row.
 */
const setting = (n: number) => `msp.copy_param_${n}`;
const PARAMETER = /\$(\d+)/g;

function withSettingParameters(text: string, count: number): string {
  return text.replace(PARAMETER, (_, digits: string) => {
    const n = Number(digits);
    if (n < 1 || n > count) throw new Error(`COPY query uses $${n} but ${count} parameters were given`);
    return `(SELECT current_setting('${setting(n)}'))`;
  });
}

const READ_BUFFER_BYTES = 4 << 20;

/**
 * Streams `COPY (<text>) TO STDOUT (FORMAT csv)` in a read-only transaction on `client`, a
 * connection of its own (see postgres.ts). extra_float_digits = 1 makes float8 text the shortest
 * round-trip digits, whatever the server's default.
 */
export async function* copyCsvOut(client: pg.Client, text: string, params: readonly unknown[]): AsyncGenerator<Uint8Array> {
  await client.query('BEGIN READ ONLY');
  await client.query(`SELECT set_config('extra_float_digits', '1', true)`);
  for (let i = 0; i < params.length; i += 1) {
    const value = params[i];
    if (value === null || value === undefined) throw new Error(`COPY parameter $${i + 1} is null`);
    await client.query('SELECT set_config($1, $2, true)', [setting(i + 1), String(value)]);
  }
  // A large read buffer: while the consumer is busy with one piece, the socket keeps being drained
  // and PostgreSQL keeps producing, instead of both taking turns.
  const copy = copyTo(`COPY (${withSettingParameters(text, params.length)}) TO STDOUT (FORMAT csv)`, { highWaterMark: READ_BUFFER_BYTES });
  for await (const chunk of client.query(copy)) {
    yield chunk as Uint8Array;
  }
  await client.query('COMMIT');
}
