/**
 * The ingestion runs one application is executing now (push, mock and sync). The sweep of stale
 * runs (failInterruptedRuns) spares these and fails any other run of this instance still marked
 * running. One registry per application context, never per module: two apps in one process (tests,
 * replicas in a test) each sweep around their own runs only.
 */
export class ActiveRuns {
  private readonly ids = new Set<string>();

  /** Runs `work` with the run registered, from before its row exists until it has ended. */
  async around<T>(runId: string, work: () => Promise<T>): Promise<T> {
    this.ids.add(runId);
    try {
      return await work();
    } finally {
      this.ids.delete(runId);
    }
  }

  list(): string[] {
    return [...this.ids];
  }
}
