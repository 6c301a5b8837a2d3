/**
 * Writes records as a JSON array, one compact record per line (`[\n{…},\n{…}\n]\n`): valid JSON for
 * any reader, diff-friendly in git, and streamable with readJsonArray. Output goes through a
 * write stream with back-pressure, so memory stays flat however many records there are; the file
 * appears under its final name only once complete.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

export interface WrittenFile {
  records: number;
  bytes: number;
  sha256: string;
}

/** Records are batched into writes of about this size. */
const WRITE_BATCH_BYTES = 256 * 1024;

export async function writeJsonArrayFile(path: string, records: Iterable<unknown> | AsyncIterable<unknown>): Promise<WrittenFile> {
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const hash = createHash('sha256');
  let bytes = 0;
  let count = 0;
  let pending = '';

  const flush = async () => {
    if (pending === '') return;
    const buffer = Buffer.from(pending, 'utf8');
    pending = '';
    hash.update(buffer);
    bytes += buffer.length;
    if (!out.write(buffer)) await once(out, 'drain');
  };

  try {
    pending = '[\n';
    for await (const record of records) {
      pending += `${count === 0 ? '' : ',\n'}${JSON.stringify(record)}`;
      count += 1;
      if (pending.length >= WRITE_BATCH_BYTES) await flush();
    }
    pending += count === 0 ? ']\n' : '\n]\n';
    await flush();
    out.end();
    await once(out, 'finish');
    await rename(partial, path);
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  return { records: count, bytes, sha256: hash.digest('hex') };
}
