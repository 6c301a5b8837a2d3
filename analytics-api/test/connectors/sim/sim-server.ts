import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The part every simulated PSA shares: a node:http server on 127.0.0.1 with its own clock (sent as
 * the HTTP Date header, like a real server's), a request log, and scheduled faults — 429 with
 * Retry-After every n-th request, 503s, dropped connections, refused credentials — so the
 * connectors' retry and stop rules meet real sockets. A stand-in for a PSA cloud, nothing more.
 */
export interface Faults {
  /** Every n-th request is answered 429 with Retry-After (seconds). */
  rateLimitEvery?: number;
  retryAfterSeconds?: number;
  /** The next n requests are answered 503 without Retry-After (backoff with jitter applies). */
  unavailableNext?: number;
  /** The next n requests lose their connection before an answer. */
  dropNext?: number;
  /** Every request is refused: 401 (bad keys) or 403 (missing permission). */
  refuse?: 401 | 403;
}

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface SimAnswer {
  status: number;
  body?: unknown;
  /** The body already as JSON text: the records as they were when the page was read (no copy needed). */
  json?: string;
  headers?: Record<string, string>;
}

export abstract class SimServer {
  private server: Server | undefined;
  /** The PSA's clock (ms). Moves forward with every change (sim clocks never go back). */
  now = Date.parse('2026-03-01T12:00:00Z');
  faults: Faults = {};
  requests: { method: string; path: string; status: number }[] = [];
  /** Called after each served data page: a test may change records while a sync pages. */
  onPage: (() => void) | undefined;
  /**
   * When set (the bench, whose data does not change once loaded), an answer is kept by request and
   * the same request gets the same bytes again without the server recomputing them: a real PSA does
   * that work on its own machines, not on the cores the service is measured on. Tests leave it off.
   */
  replayAnswers = false;
  private readonly answers = new Map<string, { status: number; headers: Record<string, string> | undefined; bytes: Buffer }>();
  private count = 0;

  /** Advances the clock; `ms` defaults to a random step under two seconds, so equal seconds happen. */
  tick(ms = Math.floor(Math.random() * 1_800)): number {
    this.now += ms;
    return this.now;
  }

  abstract handle(request: SimRequest): SimAnswer | Promise<SimAnswer>;

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('simulated server not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.count += 1;
    const f = this.faults;
    let answer: SimAnswer;
    if (f.dropNext && f.dropNext > 0) {
      f.dropNext -= 1;
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status: 0 });
      req.socket.destroy();
      return;
    }
    const send = (status: number, headers: Record<string, string> | undefined, body: string | Buffer) => {
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json', date: new Date(this.now).toUTCString(), ...headers });
      res.end(body);
    };
    const replayKey = this.replayAnswers ? `${req.method} ${req.url} ${Buffer.concat(chunks).toString('utf8')}` : undefined;
    const replay = replayKey === undefined ? undefined : this.answers.get(replayKey);
    if (replay) return send(replay.status, replay.headers, replay.bytes);
    if (f.refuse) answer = { status: f.refuse, body: { message: f.refuse === 401 ? 'Unauthorized' : 'Forbidden' } };
    else if (f.unavailableNext && f.unavailableNext > 0) {
      f.unavailableNext -= 1;
      answer = { status: 503, body: { message: 'busy' } };
    } else if (f.rateLimitEvery && this.count % f.rateLimitEvery === 0) {
      answer = { status: 429, body: { message: 'rate limited' }, headers: { 'retry-after': String(f.retryAfterSeconds ?? 1) } };
    } else {
      try {
        answer = await this.handle({
          method: req.method ?? 'GET',
          url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      } catch (error) {
        answer = { status: 500, body: { message: error instanceof Error ? error.message : String(error) } };
      }
    }
    const text = answer.json ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    if (replayKey === undefined || answer.status !== 200) return send(answer.status, answer.headers, text);
    const bytes = Buffer.from(text, 'utf8');
    this.answers.set(replayKey, { status: answer.status, headers: answer.headers, bytes });
    send(answer.status, answer.headers, bytes);
  }
}

/** A record store keyed by the PSA's id, with the deletions the PSA remembers. */
export class SimTable<R extends Record<string, unknown>> {
  readonly live = new Map<string, R>();
  readonly deleted: { key: string; record: R; at: number }[] = [];

  constructor(readonly keyOf: (record: R) => string) {}

  put(record: R): void {
    this.live.set(this.keyOf(record), record);
  }

  remove(key: string, at: number): R | undefined {
    const record = this.live.get(key);
    if (!record) return undefined;
    this.live.delete(key);
    this.deleted.push({ key, record, at });
    return record;
  }

  clear(): void {
    this.live.clear();
    this.deleted.length = 0;
  }

  values(): R[] {
    return [...this.live.values()];
  }
}

export const sortBy = <T>(items: T[], ...keys: ((item: T) => number | string)[]): T[] =>
  items.sort((a, b) => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  });
