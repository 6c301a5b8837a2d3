import { describe, expect, it } from 'vitest';
import { missedIndexes, missesTarget, targetText, targetValue } from '../../dashboard/src/targets.js';

/** The dashboard's reading of kpi_targets: which days missed a target (the page marks them). */
describe('dashboard KPI targets', () => {
  it('a min is missed below it, a max above it, a day without a value never', () => {
    expect(missesTarget(84.99, { min: 85 })).toBe(true);
    expect(missesTarget(85, { min: 85 })).toBe(false);
    expect(missesTarget(12, { max: 10 })).toBe(true);
    expect(missesTarget(10, { max: 10 })).toBe(false);
    expect(missesTarget(null, { min: 85 })).toBe(false);
    expect(missesTarget(1, undefined)).toBe(false);
  });

  it('lists the missed days of a series and describes the target', () => {
    expect(missedIndexes([90, 70, null, 85, 60], { min: 85 })).toEqual([1, 4]);
    expect(targetValue({ max: 5 })).toBe(5);
    expect(targetText({ min: 70 }, (v) => `${v} %`)).toBe('at least 70 %');
    expect(targetText({ max: 5 }, String)).toBe('at most 5');
  });
});
