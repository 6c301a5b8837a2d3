/**
 * Iterates `source` one step ahead: the next batch is being fetched (the database works, the
 * socket fills) while the caller encodes the current one. Stopping early waits for the fetch in
 * flight, then closes the source, so a cursor is always released.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined = iterator.next();
  // Handled here, awaited below: a failed fetch while the caller is busy is not an unhandled rejection.
  pending.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      const result: IteratorResult<T> = await pending;
      pending = undefined;
      if (result.done) {
        finished = true;
        return;
      }
      pending = iterator.next();
      pending.catch(() => undefined);
      yield result.value;
    }
  } catch (error) {
    finished = true; // the source threw: it has already cleaned up
    throw error;
  } finally {
    if (!finished) {
      await pending?.catch(() => undefined);
      await iterator.return?.();
    }
  }
}
