import type { Entity, PsaSource } from '../../ingest/canonical.js';
import type { HttpStats, RetryPolicy } from '../psa-http.js';

export type { PsaLabels } from '../../ingest/canonical.js';
import type { PsaLabels } from '../../ingest/canonical.js';

export interface ChangePage {
  /** The page's records in the PSA's native shape, as they came. */
  records: unknown[];
  /** Where the next page starts; stored with this page's records so a restart resumes here. */
  position: unknown;
  /** The latest source update instant among the page's records (ISO), if any could be read. */
  maxUpdated: string | null;
}

export interface DeletedRecords {
  /** Deleted records' external ids and their deletion instants (null when the feed gives none). */
  items: { id: string; at: string | null }[];
  /** The latest deletion instant read: where the next read of the feed starts. */
  latest: string | null;
}

export interface PsaClient {
  readonly psa: PsaSource;
  /**
   * keyset: pages ordered by (update instant, id), so the cursor is the last committed page's
   * update instant. pass: a stable order without the update instant (Autotask's id order, Halo's
   * page numbers), so the cursor moves only when a pass ends, to the PSA's clock at its start.
   */
  readonly paging: 'keyset' | 'pass';
  readonly stats: HttpStats;
  /** One cheap authenticated call. */
  test(): Promise<void>;
  /** Records changed at or after `since` (all with null), resuming after `after` (a stored position). */
  changes(entity: Entity, since: string | null, after: unknown): AsyncIterable<ChangePage>;
  /** Deleted-record feed, or undefined where the PSA has none for the entity (full=true reconciles). */
  deletions(entity: Entity, since: string | null): Promise<DeletedRecords | undefined>;
  /** Picklist labels for the entity's fields, where the PSA sends raw picklist values. */
  labels(entity: Entity): Promise<PsaLabels | undefined>;
  /** The PSA's clock at its first answer (HTTP Date), second precision. */
  serverDate(): string | null;
  /** The PSA's clock at its latest answer. */
  latestServerDate(): string | null;
  /**
   * Offset paging only: whether records left the result set since `from` (deletions), which
   * shifts later pages onto records not yet read. The sync then reads the pass again.
   */
  passDisturbed?(entity: Entity, from: string): Promise<boolean>;
}

export interface ClientOptions {
  retry?: RetryPolicy;
  pageSize?: number;
}

/** Notes the HTTP Date of the first answer: the pass-start instant by the PSA's own clock. */
export class ServerClock {
  private first: string | null = null;
  private last: string | null = null;
  note(response: Response): void {
    const date = response.headers.get('date');
    const ms = date ? Date.parse(date) : NaN;
    this.last = Number.isNaN(ms) ? new Date().toISOString() : new Date(ms).toISOString();
    this.first ??= this.last;
  }
  get value(): string | null {
    return this.first;
  }
  get latest(): string | null {
    return this.last;
  }
}
