import { AsyncLocalStorage } from 'node:async_hooks';
import { DomainError } from '../errors.js';

/**
 * Work that can be abandoned as a whole (an HTTP request past REQUEST_TIMEOUT_MS): the database
 * layer registers each PostgreSQL backend while it runs a statement of the scope, so that
 * `cancel()` can stop those statements (pg_cancel_backend) and refuse any further one. The scope
 * follows the async context (AsyncLocalStorage), so services and stores need no extra parameter.
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
    // Outside the scope: the cancelling statement itself must not be refused as part of it.
    if (pids.length > 0 && canceller) await storage.exit(() => canceller(pids)).catch(() => undefined);
  }
}

const storage = new AsyncLocalStorage<CancelScope>();

export function currentCancelScope(): CancelScope | undefined {
  return storage.getStore();
}

/** Runs `work` (and everything it starts) inside `scope`. */
export function runInCancelScope<T>(scope: CancelScope, work: () => T): T {
  return storage.run(scope, work);
}
