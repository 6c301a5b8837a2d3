import { mkdtempSync, mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.js';
import { JsonFileError, JsonRecordScanner, MockFileError, mockFilePath, readJsonArray } from '../../src/ingest/json-array-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'json-array-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function file(content: string | Buffer): string {
  fileCounter += 1;
  const path = join(dir, `f${fileCounter}.json`);
  writeFileSync(path, content);
  return path;
}

async function collect(path: string, chunkBytes?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const record of await readJsonArray(path, { chunkBytes })) out.push(record);
  return out;
}

async function failure(path: string, chunkBytes?: number): Promise<JsonFileError> {
  try {
    await collect(path, chunkBytes);
  } catch (error) {
    if (error instanceof JsonFileError) return error;
    throw error;
  }
  throw new Error('expected a JsonFileError');
}

const tricky = [
  { id: 1, note: 'brackets ] } [ { inside a string', nested: { list: [1, [2, [3]]], empty: {} } },
  { id: 2, note: 'escaped quote \\" and backslash \\\\ and "quotes"', path: 'C:\\temp\\' },
  { id: 3, note: 'unicode: Infogérance — 😀 \u2028 line separator', newline: 'a\nb' },
  { id: 4, ends_with_backslash: '\\', empty: '' },
];

describe('readJsonArray', () => {
  it.each([1, 2, 3, 7, 64, 65_536])('reads arrays whatever the chunk size (%i bytes)', async (chunkBytes) => {
    const path = file(JSON.stringify(tricky, null, 2));
    expect(await collect(path, chunkBytes)).toEqual(tricky);
  });

  it('reads the one-record-per-line layout the generator writes', async () => {
    const path = file(`[\n${tricky.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
    expect(await collect(path, 5)).toEqual(tricky);
  });

  it('reads NDJSON, blank lines and CRLF included', async () => {
    const path = file(`${tricky.map((r) => JSON.stringify(r)).join('\r\n')}\r\n\r\n`);
    expect(await collect(path, 3)).toEqual(tricky);
  });

  it('yields non-object elements as they are (the caller rejects them one by one)', async () => {
    expect(await collect(file('[1, "two", null, true, [3], {"a":-1.5e3}]'), 2)).toEqual([1, 'two', null, true, [3], { a: -1500 }]);
    expect(await collect(file('[]'))).toEqual([]);
    expect(await collect(file('  [ \n ]  \n'))).toEqual([]);
  });

  it('skips a UTF-8 byte order mark, even split across chunks', async () => {
    const path = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')]));
    expect(await collect(path, 1)).toEqual([{ a: 1 }]);
  });

  it('streams a file much larger than one chunk, one record at a time', async () => {
    const count = 20_000;
    const lines = Array.from({ length: count }, (_, i) =>
      JSON.stringify({ id: i, summary: `ticket ${i} with ] and "quotes"`, pad: 'x'.repeat(i % 97) }),
    );
    const path = file(`[\n${lines.join(',\n')}\n]\n`);
    let seen = 0;
    for await (const record of await readJsonArray(path, { chunkBytes: 4096 })) {
      expect((record as { id: number }).id).toBe(seen);
      seen += 1;
    }
    expect(seen).toBe(count);
  });

  it('closes the file when the reader stops early', async () => {
    const path = file(JSON.stringify(Array.from({ length: 1000 }, (_, id) => ({ id }))));
    // Linux lists a process's open files in /proc/self/fd.
    const isOpen = () =>
      readdirSync('/proc/self/fd').some((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false;
        }
      });
    const iterable = await readJsonArray(path, { chunkBytes: 64 });
    let openWhileReading = false;
    for await (const record of iterable) {
      openWhileReading = isOpen();
      if ((record as { id: number }).id === 3) break;
    }
    expect(openWhileReading).toBe(true);
    expect(isOpen()).toBe(false);
  });

  it.each([
    ['[{"a":1},{"b":2}', "the file ends before the array's closing ']'", 16],
    ['[{"a":1},{"b":2', 'the file ends inside record 1', 9],
    ['[{"a":1},]', "trailing ',' before ']'", 9],
    ['[{"a":1} {"b":2}]', "expected ',' or ']' after record 0, found '{'", 9],
    ['[{"a":1}] x', "unexpected 'x' after the closing ']'", 10],
    ['[{"a":1},{"b":tru}]', 'record 1 is not valid JSON', 9],
    ['[{"a":1},{"b":2]}]', 'record 1 is not valid JSON', 9],
    ['[{"a":1},]]', "trailing ',' before ']'", 9],
    ['<html>', "expected '[' (a JSON array) or '{' (NDJSON), found '<'", 0],
    ['[{"a":1},:]', "unexpected ':' where record 1 should start", 9],
    ['{"a":1}\n{"b":\n', 'the file ends inside record 1', 8],
    ['{"a":1},{"b":2}', "unexpected ',' where record 1 should start", 7],
    ['', 'the file is empty: expected a JSON array or NDJSON', 0],
    ['  \n', 'the file is empty: expected a JSON array or NDJSON', 3],
  ])('reports %j as an error naming the file and the byte offset', async (content, detail, offset) => {
    const path = file(content);
    for (const chunkBytes of [1, 4, 65_536]) {
      const error = await failure(path, chunkBytes);
      expect(error.detail.startsWith(detail)).toBe(true);
      expect(error.offset).toBe(offset);
      expect(error.file).toBe(path);
      expect(error.message).toContain(`${path}: ${detail}`);
      expect(error.message).toContain(`(at byte ${offset})`);
    }
  });

  it('gives the records before a fault, then fails', async () => {
    const seen: unknown[] = [];
    const run = async () => {
      for await (const record of await readJsonArray(file('[{"a":1},{"b":2},{"c":'), { chunkBytes: 4 })) seen.push(record);
    };
    await expect(run()).rejects.toBeInstanceOf(JsonFileError);
    expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('counts offsets in bytes, not characters', async () => {
    const error = await failure(file('[{"name":"Infogérance 😀"} x]'));
    expect(error.offset).toBe(Buffer.byteLength('[{"name":"Infogérance 😀"} '));
  });

  it('names the file as the caller asks', async () => {
    const path = file('[');
    const run = async () => {
      for await (const _ of await readJsonArray(path, { displayName: 'tenant/tickets.json' })) void _;
    };
    await expect(run()).rejects.toThrow(/^tenant\/tickets\.json: the file ends before the array's closing '\]' \(at byte 1\)$/);
  });

  it('refuses a record larger than the limit instead of buffering it', async () => {
    const path = file(`[{"big":"${'x'.repeat(5000)}"}]`);
    const run = async () => {
      for await (const _ of await readJsonArray(path, { chunkBytes: 512, maxRecordBytes: 1000 })) void _;
    };
    await expect(run()).rejects.toThrow(/record 0 is larger than 1000 bytes \(at byte 1\)/);
  });

  it('rejects at open time, with the Node error code, when the file is missing or a folder', async () => {
    await expect(readJsonArray(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    const folder = join(dir, 'folder.json');
    mkdirSync(folder);
    await expect(readJsonArray(folder)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('exports the error class under the name the ingest service uses', () => {
    expect(MockFileError).toBe(JsonFileError);
  });
});

describe('JsonRecordScanner', () => {
  it('returns the records each chunk completes', () => {
    const scanner = new JsonRecordScanner('mem');
    expect(scanner.push(Buffer.from('[{"a":'))).toEqual([]);
    expect(scanner.push(Buffer.from('1},{"b":2},{"c"'))).toEqual([{ a: 1 }, { b: 2 }]);
    expect(scanner.push(Buffer.from(':3}]'))).toEqual([{ c: 3 }]);
    expect(scanner.end()).toEqual([]);
  });

  it('ends a trailing NDJSON scalar at the end of the file', () => {
    const scanner = new JsonRecordScanner('mem');
    expect(scanner.push(Buffer.from('{"a":1}\n'))).toEqual([{ a: 1 }]);
    expect(scanner.push(Buffer.from('42'))).toEqual([]);
    expect(scanner.end()).toEqual([42]);
  });
});

describe('mockFilePath', () => {
  const base = join(dir, 'mock-data');
  const tenant = '550e8400-e29b-41d4-a716-446655440000';

  it('resolves <tenant_id>/<entity>.json inside the mock data folder', () => {
    expect(mockFilePath(base, tenant, 'tickets')).toEqual({
      absolute: join(resolve(base), tenant, 'tickets.json'),
      relative: `${tenant}/tickets.json`,
    });
    expect(mockFilePath(`${base}${sep}`, tenant.toUpperCase(), 'time_entries')).toEqual({
      absolute: join(resolve(base), tenant, 'time_entries.json'),
      relative: `${tenant}/time_entries.json`,
    });
  });

  it.each([
    '../../etc/passwd',
    '..',
    `${'550e8400-e29b-41d4-a716-446655440000'}/../../x`,
    '550e8400-e29b-41d4-a716-44665544000',
    '550e8400e29b41d4a716446655440000',
    '/etc/passwd',
    '550e8400-e29b-41d4-a716-446655440000\n',
    '',
  ])('refuses tenant id %j', (tenantId) => {
    expect(() => mockFilePath(base, tenantId, 'tickets')).toThrow(DomainError);
    expect(() => mockFilePath(base, tenantId, 'tickets')).toThrow('tenant_id must be a UUID');
  });

  it('refuses an unknown entity', () => {
    expect(() => mockFilePath(base, tenant, '../tenants' as never)).toThrow('entity must be one of tickets, time_entries');
  });
});
