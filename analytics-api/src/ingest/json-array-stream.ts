/**
 * Reads a large JSON file of records with bounded memory: a top-level array (`[{…},{…}]`) or
 * NDJSON (one value per line). A hand-written scanner walks the raw bytes, tracking strings,
 * escapes and nesting depth to find where each element starts and ends, and hands each element
 * alone to JSON.parse. Memory holds one read chunk plus the element being read, whatever the size
 * of the file. Structural characters are ASCII and never occur inside a UTF-8 multi-byte
 * sequence, so scanning bytes is safe and gives exact byte offsets for errors.
 *
 * Why hand-written: a streaming JSON library (stream-json, or clarinet underneath it) would do this,
 * but builds every value token by token in JavaScript; here JSON.parse (native) parses each record
 * and the scanner only finds its bounds. No side-by-side timing against stream-json is recorded;
 * what is measured is the bound that matters: the bench's "ingest memory" row, peak RSS while the
 * 1,001,705-ticket mock file is ingested (227 MB, target < 512 MB, docs/benchmarks.md).
 * test/ingest/json-array-stream.test.ts keeps it honest: chunk boundaries everywhere (1-byte
 * chunks), a file much larger than one chunk read one record at a time, byte offsets of faults, and
 * a record over the size limit refused instead of buffered.
 */
import { open } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Entity } from './canonical.js';
import { ENTITIES } from './canonical.js';
import { invalid } from '../errors.js';
import { isUuid } from '../tenants/tenant-id.js';

/** A file that could not be read as records; says which file and at which byte. */
export class JsonFileError extends Error {
  override name = 'JsonFileError';

  constructor(
    readonly file: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${file}: ${detail} (at byte ${offset})`);
  }
}
/** The ingest service knows these errors as mock file errors. */
export { JsonFileError as MockFileError };

export interface ReadJsonArrayOptions {
  /** How the file is named in errors (e.g. relative to MOCK_DATA_PATH). Default: the path given. */
  displayName?: string;
  /** Read chunk size; tests make it tiny to cross chunk boundaries everywhere. Default 64 KiB. */
  chunkBytes?: number;
  /** One record larger than this is an error rather than a memory hazard. Default 16 MiB. */
  maxRecordBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024;
const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

const Byte = {
  Tab: 0x09,
  LineFeed: 0x0a,
  CarriageReturn: 0x0d,
  Space: 0x20,
  Quote: 0x22,
  Comma: 0x2c,
  OpenBracket: 0x5b,
  Backslash: 0x5c,
  CloseBracket: 0x5d,
  OpenBrace: 0x7b,
  CloseBrace: 0x7d,
} as const;
/** The UTF-8 byte order mark some Windows tools write at the start of a file. */
const BOM = [0xef, 0xbb, 0xbf];

function isWhitespace(b: number): boolean {
  return b === Byte.Space || b === Byte.LineFeed || b === Byte.CarriageReturn || b === Byte.Tab;
}

/** Bytes that can start a JSON number, true, false or null. */
function startsScalar(b: number): boolean {
  return b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e;
}

function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

type Layout = 'unknown' | 'array' | 'ndjson' | 'closed';
/** Inside a top-level array: what may come next between elements. */
type Expect = 'element-or-end' | 'element' | 'comma-or-end';
type ElementKind = 'container' | 'string' | 'scalar';

/**
 * The incremental scanner: feed it chunks, it returns the records each chunk completed. Exported
 * for tests; files are read through `readJsonArray`.
 */
export class JsonRecordScanner {
  private layout: Layout = 'unknown';
  private expect: Expect = 'element-or-end';
  private offset = 0; // absolute byte offset of the next byte to scan
  private bomBytes = 0;
  private recordIndex = 0;
  // The element being read.
  private kind: ElementKind | null = null;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementStart = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(
    private readonly file: string,
    private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  ) {}

  private fail(offset: number, detail: string): never {
    throw new JsonFileError(this.file, offset, detail);
  }

  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
    let partStart = 0; // where the current element's bytes begin in this chunk
    for (let i = 0; i < chunk.length; i += 1) {
      const b = chunk[i]!;
      const at = this.offset + i;
      if (this.kind !== null) {
        if (this.kind === 'scalar') {
          if (isWhitespace(b) || b === Byte.Comma || b === Byte.CloseBracket) {
            out.push(this.finish(chunk, partStart, i));
            i -= 1; // the delimiter belongs to the layout, scan it again as such
          }
        } else if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (b === Byte.Backslash) this.escaped = true;
          else if (b === Byte.Quote) {
            this.inString = false;
            if (this.kind === 'string') out.push(this.finish(chunk, partStart, i + 1));
          }
        } else if (b === Byte.Quote) {
          this.inString = true;
        } else if (b === Byte.OpenBrace || b === Byte.OpenBracket) {
          this.depth += 1;
        } else if (b === Byte.CloseBrace || b === Byte.CloseBracket) {
          this.depth -= 1;
          if (this.depth === 0) out.push(this.finish(chunk, partStart, i + 1));
        }
        continue;
      }
      if (isWhitespace(b)) continue;
      if (at < BOM.length && at === this.bomBytes && b === BOM[at]) {
        this.bomBytes += 1; // matched byte by byte, so a BOM split across chunks is skipped too
        continue;
      }
      switch (this.layout) {
        case 'unknown':
          if (b === Byte.OpenBracket) this.layout = 'array';
          else if (b === Byte.OpenBrace) {
            this.layout = 'ndjson';
            partStart = this.begin(b, at, i);
          } else this.fail(at, `expected '[' (a JSON array) or '{' (NDJSON), found ${printable(b)}`);
          break;
        case 'array':
          if (b === Byte.CloseBracket && this.expect !== 'element') this.layout = 'closed';
          else if (b === Byte.Comma && this.expect === 'comma-or-end') this.expect = 'element';
          else if (this.expect === 'comma-or-end')
            this.fail(at, `expected ',' or ']' after record ${this.recordIndex - 1}, found ${printable(b)}`);
          else if (b === Byte.CloseBracket) this.fail(at, "trailing ',' before ']'");
          else partStart = this.begin(b, at, i);
          break;
        case 'ndjson':
          partStart = this.begin(b, at, i);
          break;
        case 'closed':
          this.fail(at, `unexpected ${printable(b)} after the closing ']'`);
      }
    }
    if (this.kind !== null) this.keep(chunk.subarray(partStart));
    this.offset += chunk.length;
    return out;
  }

  /** Call once the file is exhausted: checks that it ended where a file may end. */
  end(): unknown[] {
    const out = this.kind === 'scalar' ? [this.finish(Buffer.alloc(0), 0, 0)] : [];
    if (this.kind !== null) this.fail(this.elementStart, `the file ends inside record ${this.recordIndex}`);
    if (this.layout === 'unknown') this.fail(this.offset, 'the file is empty: expected a JSON array or NDJSON');
    if (this.layout === 'array') this.fail(this.offset, "the file ends before the array's closing ']'");
    return out;
  }

  private begin(b: number, at: number, i: number): number {
    if (b === Byte.OpenBrace || b === Byte.OpenBracket) {
      this.kind = 'container';
      this.depth = 1;
    } else if (b === Byte.Quote) {
      this.kind = 'string';
      this.inString = true;
    } else if (startsScalar(b)) {
      this.kind = 'scalar';
    } else {
      this.fail(at, `unexpected ${printable(b)} where record ${this.recordIndex} should start`);
    }
    this.elementStart = at;
    this.parts = [];
    this.partsBytes = 0;
    return i;
  }

  private keep(part: Buffer): void {
    this.partsBytes += part.length;
    if (this.partsBytes > this.maxRecordBytes) {
      this.fail(this.elementStart, `record ${this.recordIndex} is larger than ${this.maxRecordBytes} bytes`);
    }
    // Copy: a slice would pin the whole read chunk in memory while the record grows.
    this.parts.push(Buffer.from(part));
  }

  private finish(chunk: Buffer, from: number, to: number): unknown {
    this.keep(chunk.subarray(from, to));
    const text = Buffer.concat(this.parts, this.partsBytes).toString('utf8');
    this.parts = [];
    this.partsBytes = 0;
    this.kind = null;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    if (this.layout === 'array') this.expect = 'comma-or-end';
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.fail(this.elementStart, `record ${this.recordIndex} is not valid JSON (${(error as Error).message})`);
    }
    this.recordIndex += 1;
    return value;
  }
}

/**
 * Opens `filePath` and returns its records as an async iterable. Opening happens now, so a missing
 * or unreadable file rejects this promise with the usual Node error (`code` ENOENT, EACCES, EISDIR);
 * a malformed file throws a JsonFileError while iterating, after the records before the fault.
 * The file is closed when the iteration ends, fails or is abandoned with `break`.
 */
export async function readJsonArray(filePath: string, options: ReadJsonArrayOptions = {}): Promise<AsyncIterable<unknown>> {
  const handle = await open(filePath, 'r');
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (!stats.isFile()) {
    await handle.close();
    throw Object.assign(new Error(`${options.displayName ?? filePath} is not a regular file`), { code: 'EISDIR' });
  }
  const scanner = new JsonRecordScanner(options.displayName ?? filePath, options.maxRecordBytes);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  return (async function* records() {
    try {
      for await (const chunk of handle.createReadStream({ highWaterMark: chunkBytes, autoClose: false })) {
        yield* scanner.push(chunk as Buffer);
      }
      yield* scanner.end();
    } finally {
      await handle.close();
    }
  })();
}

// ---------------------------------------------------------------------------------------------

export interface MockFileLocation {
  /** Where to read the file. */
  absolute: string;
  /** The same file relative to the mock data folder, `<tenant_id>/<entity>.json`, for messages. */
  relative: string;
}

/**
 * The mock file of one tenant and entity: `<mockDataPath>/<tenant_id>/<tickets|time_entries>.json`.
 * Only a UUID is accepted as tenant id, and the result is checked to lie inside mockDataPath, so no
 * input can make the service read elsewhere.
 */
export function mockFilePath(mockDataPath: string, tenantId: string, entity: Entity): MockFileLocation {
  if (!isUuid(tenantId)) throw invalid('tenant_id must be a UUID');
  if (!ENTITIES.includes(entity)) throw invalid(`entity must be one of ${ENTITIES.join(', ')}`);
  const base = resolve(mockDataPath);
  const relativePath = `${tenantId.toLowerCase()}/${entity}.json`;
  const absolute = resolve(base, relativePath);
  const fromBase = relative(base, absolute);
  if (fromBase === '' || fromBase === '..' || fromBase.startsWith(`..${sep}`) || isAbsolute(fromBase)) {
    throw invalid('the mock file path would leave MOCK_DATA_PATH');
  }
  return { absolute, relative: relativePath };
}
