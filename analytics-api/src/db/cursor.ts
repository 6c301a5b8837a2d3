import type { Queryable } from './database.js';

/**
 * Module-wide on purpose: a cursor name only has to be unique within its transaction, and a counter
 * shared by every database of the process gives that without a field on each Database.
 */
let cursorCounter = 0;

/** A SQL-level cursor (DECLARE … FETCH) that works the same on `pg` and on PGlite. */
export async function* fetchInBatches<Row>(
  tx: Queryable,
  text: string,
  params: readonly unknown[],
  batchSize: number,
): AsyncGenerator<Row[]> {
  cursorCounter += 1;
  const name = `export_cursor_${cursorCounter}`;
  await tx.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, params);
  try {
    for (;;) {
      const batch = await tx.query<Row>(`FETCH FORWARD ${Math.max(1, Math.floor(batchSize))} FROM ${name}`);
      if (batch.rows.length === 0) return;
      yield batch.rows;
      if (batch.rows.length < batchSize) return;
    }
  } finally {
    await tx.query(`CLOSE ${name}`).catch(() => undefined);
  }
}
