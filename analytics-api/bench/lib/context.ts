/**
 * What every row receives: the mode and sizes, the generated data set, and a place for scratch files.
 */
import type { Dataset } from './dataset.js';

export interface Sizes {
  /** ingest and re-ingest rows: tickets pushed through the API and copied by COPY. */
  ingestTickets: number;
  /** Records per POST. */
  ingestBatch: number;
  /** POSTs in flight at once. */
  ingestConcurrency: number;
  /** Rounds of (COPY, ingest, re-ingest), each on fresh databases; medians compared. */
  ingestRounds: number;
  /** ingest memory, KPI day cost (large tenant) and export rows: tickets of the large tenant. */
  largeTickets: number;
  /** KPI day cost: tickets of the small tenant. */
  smallTickets: number;
  /** KPI range: days of the range call (and single-day calls), mid-size tenant. */
  rangeDays: number;
  /** KPI range, information: days of the same comparison on the large tenant. */
  largeRangeSampleDays: number;
  /** KPI day cost: timed repetitions per tenant (median). */
  kpiRepeats: number;
  /** public API: autocannon seconds per side (plus a warm-up). */
  apiSeconds: number;
  apiWarmupSeconds: number;
  apiConnections: number;
  /** quick start: runs per side (median). */
  quickStartRuns: number;
}

export const FULL: Sizes = {
  ingestTickets: 200_000,
  ingestBatch: 10_000,
  ingestConcurrency: 3,
  ingestRounds: 3,
  largeTickets: 1_000_000,
  smallTickets: 10_000,
  rangeDays: 366,
  largeRangeSampleDays: 30,
  kpiRepeats: 5,
  apiSeconds: 10,
  apiWarmupSeconds: 3,
  apiConnections: 50,
  quickStartRuns: 3,
};

export const QUICK: Sizes = {
  ingestTickets: 20_000,
  ingestBatch: 5_000,
  ingestConcurrency: 3,
  ingestRounds: 1,
  largeTickets: 100_000,
  smallTickets: 2_000,
  rangeDays: 366,
  largeRangeSampleDays: 14,
  kpiRepeats: 3,
  apiSeconds: 3,
  apiWarmupSeconds: 1,
  apiConnections: 50,
  quickStartRuns: 1,
};

export interface BenchContext {
  quick: boolean;
  sizes: Sizes;
  /** Write CPU profiles of the service (bench/out/profiles). */
  cpuProf: boolean;
  /** Print EXPLAIN (ANALYZE, BUFFERS) of the KPI statements where available. */
  explain: boolean;
  dataset: Dataset;
  /** Scratch folder of this run (bench/out/run). */
  scratch: string;
}
