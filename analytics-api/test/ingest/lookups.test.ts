import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.js';
import { mergeLabels, mergeRates, parseLabels, parseRates } from '../../src/ingest/lookups.js';

const detailOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}: ${error.detail}`;
    throw error;
  }
  return 'no error';
};

describe('picklists / labels alongside the records', () => {
  it('accepts {field: {value: label}} and trims labels', () => {
    expect(parseLabels({ status: { '5': ' Complete ' }, queueID: {} })).toEqual({ status: { '5': 'Complete' }, queueID: {} });
    expect(parseLabels(undefined)).toBeUndefined();
  });

  it('names the offending entry of a malformed map', () => {
    expect(detailOf(() => parseLabels([]))).toMatch(/^invalid: picklists must be an object/);
    expect(detailOf(() => parseLabels({ status: ['Complete'] }))).toMatch(/^invalid: picklists\.status must be an object/);
    expect(detailOf(() => parseLabels({ status: { '5': '' } }))).toMatch(/picklists\.status\["5"\] must be a label/);
    expect(detailOf(() => parseLabels({ status: { '5': 'x'.repeat(501) } }))).toMatch(/picklists\.status\["5"\] must be a label/);
    expect(detailOf(() => parseLabels(JSON.parse('{"__proto__": {"5": "Complete"}}')))).toMatch(/keys must be/);
  });

  it('a pushed label wins over a stored one, other stored labels stay', () => {
    const merged = mergeLabels({ status: { '5': 'Done', '1': 'New' }, priority: { '2': 'High' } }, { status: { '5': 'Complete' } });
    expect(merged).toEqual({ status: { '5': 'Complete', '1': 'New' }, priority: { '2': 'High' } });
  });
});

describe('rates alongside the records', () => {
  it('accepts roles and contract_roles', () => {
    expect(parseRates({ roles: { '8': 150 }, contract_roles: { '5': { '8': 135 } } })).toEqual({
      roles: { '8': 150 },
      contract_roles: { '5': { '8': 135 } },
    });
  });

  it('refuses unknown keys and rates that are not amounts', () => {
    expect(detailOf(() => parseRates({ role: { '8': 150 } }))).toMatch(/rates\.role is unknown/);
    expect(detailOf(() => parseRates({ roles: { '8': -1 } }))).toMatch(/rates\.roles\["8"\] must be an hourly rate/);
    expect(detailOf(() => parseRates({ contract_roles: { '5': { '8': '135' } } }))).toMatch(
      /rates\.contract_roles\["5"\]\["8"\] must be an hourly rate/,
    );
  });

  it('a pushed rate wins over a stored one', () => {
    expect(
      mergeRates(
        { roles: { '8': 100, '9': 90 }, contract_roles: { '5': { '8': 120 } } },
        { roles: { '8': 150 }, contract_roles: { '5': { '9': 95 } } },
      ),
    ).toEqual({
      roles: { '8': 150, '9': 90 },
      contract_roles: { '5': { '8': 120, '9': 95 } },
    });
  });
});
