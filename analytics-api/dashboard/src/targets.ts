/**
 * The tenant's KPI targets (kpi_targets of its configuration, GET /v1/config): drawn as target
 * lines, and the days a KPI missed its target are marked. Targets never change a value.
 */
export interface KpiTarget {
  min?: number;
  max?: number;
}

export type KpiTargets = Record<string, KpiTarget>;

/** The target's bound: the value a line is drawn at. */
export function targetValue(target: KpiTarget): number {
  return target.min ?? target.max ?? 0;
}

/** A day misses a target when its value is below the min or above the max; a day without a value misses nothing. */
export function missesTarget(value: number | null | undefined, target: KpiTarget | undefined): boolean {
  if (!target || value === null || value === undefined) return false;
  if (target.min !== undefined && value < target.min) return true;
  return target.max !== undefined && value > target.max;
}

/** Indexes of the points that miss the target. */
export function missedIndexes(series: (number | null)[], target: KpiTarget | undefined): number[] {
  return series.flatMap((value, index) => (missesTarget(value, target) ? [index] : []));
}

/** "at least 90" / "at most 5" */
export function targetText(target: KpiTarget, format: (value: number) => string): string {
  return target.min !== undefined ? `at least ${format(target.min)}` : `at most ${format(target.max ?? 0)}`;
}
