import { DomainError } from '../errors.js';

/**
 * Work that can be abandoned as a whole (an HTTP request past REQUEST_TIMEOUT_MS): the database
 * layer registers each PostgreSQL backend while it runs a statement of the scope, so that
 * `cancel()` can stop those statements (pg_cancel_backend) and refuse any further one. The scope
 * travels explicitly, as a view of the database (`Database.withCancelScope`, `request.db`), not
 * through AsyncLocalStorage: on Node 20 an active AsyncLocalStorage turns on promise hooks for every
 * promise of the process, a cost each cached /v1 answer paid (docs/benchmarks.md, 2026-12-05).
 */
export class CancelScope {
  readonly #backends = new Set<number>();
  #cancelled = false;
  #canceller: ((pids: number[]) => Promise<void>) | undefined;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Throws when the scope was cancelled: no new statement starts for abandoned work. */
  assertActive(): void {
    if (this.#cancelled) throw new DomainError('unavailable', 'the request ran past REQUEST_TIMEOUT_MS and was cancelled');
  }

  /**
   * Registers a backend as working for the scope until the returned function is called; `cancel` is
   * how its database cancels backends.
   */
  enter(pid: number | undefined, cancel: (pids: number[]) => Promise<void>): () => void {
    this.assertActive();
    if (pid === undefined) return () => undefined;
    this.#canceller = cancel;
    this.#backends.add(pid);
    return () => this.#backends.delete(pid);
  }

  /** Registers a backend while `work` runs on it. */
  async track<T>(pid: number | undefined, cancel: (pids: number[]) => Promise<void>, work: () => Promise<T>): Promise<T> {
    const leave = this.enter(pid, cancel);
    try {
      return await work();
    } finally {
      leave();
    }
  }

  /** Marks the scope cancelled and cancels the statements running for it. Never throws. */
  async cancel(): Promise<void> {
    this.#cancelled = true;
    const pids = [...this.#backends];
    const canceller = this.#canceller;
    if (pids.length > 0 && canceller) await canceller(pids).catch(() => undefined);
  }
}
