import * as crypto from 'node:crypto';
import type { CanonicalTicket, CanonicalTimeEntry, Source } from './canonical.js';

/** One valid record ready to be written: by the jsonb upsert (jsonbRow) or by COPY (copy-rows.ts). */
export interface StoredRecord {
  external_id: string;
  record_hash: string;
  /** The validated canonical record. */
  canonical: CanonicalTicket | CanonicalTimeEntry;
  canonicalJson: string;
  /** The raw record as received, as JSON text: the stored payload. */
  payloadJson: string;
}

/**
 * Turns one valid record into what the writes read, with its hash. The raw record's JSON is
 * produced once by the caller (which also scans it for unstorable characters) and reused here for
 * both the hash and the payload, instead of stringifying the raw record three times and the
 * canonical one twice.
 *
 * record_hash is unchanged since the first release: SHA-256 of `JSON.stringify([source, raw,
 * canonical])`, which is byte for byte the concatenation below. Keeping it means rows stored by an
 * earlier version still compare equal (re-ingest reports them unchanged), and a change of the
 * mapping or validation code still rewrites the rows whose canonical form it changes.
 */
export function storedRecord(source: Source, rawJson: string, canonical: CanonicalTicket | CanonicalTimeEntry): StoredRecord {
  const canonicalJson = JSON.stringify(canonical);
  const recordHash = sha256Hex(`[${JSON.stringify(source)},${rawJson},${canonicalJson}]`);
  return { external_id: canonical.external_id, record_hash: recordHash, canonical, canonicalJson, payloadJson: rawJson };
}

/** The jsonb object the upsert's jsonb_to_recordset reads: the canonical fields, `payload` and `record_hash`. */
export function jsonbRow(record: StoredRecord): string {
  // canonicalJson is a non-empty object `{…}`: the two columns are appended inside its braces.
  return `${record.canonicalJson.slice(0, -1)},"payload":${record.payloadJson},"record_hash":"${record.record_hash}"}`;
}

// The one-shot crypto.hash (Node ≥ 20.12) skips building a Hash object per record: about 15 % less
// time per hash than createHash. package.json still allows Node 20.11, which lacks it.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;
const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');
