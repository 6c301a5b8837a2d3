/**
 * Labels and rates pushed alongside the records (`picklists` / `rates` in the body, or the
 * `labels` / `rates` of an IngestRequest filled by a connector). They are checked here, once, so
 * that a wrong shape is a 400 that names the offending entry, never a half-applied push.
 */
import { invalid } from '../errors.js';
import type { PsaLabels, PsaRates } from './canonical.js';

/** Bounds that keep one push's lookups to what a PSA really has (and the table to sane rows). */
const MAX_LOOKUP_ENTRIES = 200_000;
const MAX_KEY_LENGTH = 200;
const MAX_LABEL_LENGTH = 500;
const MAX_RATE = 99_999_999;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKey(key: string, path: string): void {
  // "__proto__" would set the prototype of the plain objects the maps are built in.
  if (key.trim() === '' || key.length > MAX_KEY_LENGTH || key === '__proto__') {
    throw invalid(`${path}: keys must be 1 to ${MAX_KEY_LENGTH} characters`, [{ field: path, detail: 'bad key' }]);
  }
}

/** `{ field: { rawValue: "label" } }`; `name` is how the body calls it, for the messages. */
export function parseLabels(value: unknown, name = 'picklists'): PsaLabels | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw invalid(`${name} must be an object {field: {value: label}}`, [{ field: name, detail: 'not an object' }]);
  const labels: PsaLabels = {};
  let entries = 0;
  for (const [field, values] of Object.entries(value)) {
    checkKey(field, `${name}.${field}`);
    if (!isPlainObject(values)) {
      throw invalid(`${name}.${field} must be an object {value: label}`, [{ field: `${name}.${field}`, detail: 'not an object' }]);
    }
    const map: Record<string, string> = {};
    for (const [raw, label] of Object.entries(values)) {
      const path = `${name}.${field}[${JSON.stringify(raw)}]`;
      checkKey(raw, path);
      if (typeof label !== 'string' || label.trim() === '' || label.length > MAX_LABEL_LENGTH) {
        throw invalid(`${path} must be a label of 1 to ${MAX_LABEL_LENGTH} characters`, [{ field: path, detail: 'not a label' }]);
      }
      map[raw] = label.trim();
      entries += 1;
    }
    labels[field] = map;
  }
  if (entries > MAX_LOOKUP_ENTRIES) throw invalid(`${name} has ${entries} entries; at most ${MAX_LOOKUP_ENTRIES}`);
  return labels;
}

function rateAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_RATE) {
    throw invalid(`${path} must be an hourly rate from 0 to ${MAX_RATE}`, [{ field: path, detail: 'not a rate' }]);
  }
  return value;
}

/** `{ roles: { roleId: rate }, contract_roles: { contractId: { roleId: rate } } }`. */
export function parseRates(value: unknown, name = 'rates'): PsaRates | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw invalid(`${name} must be an object {roles, contract_roles}`, [{ field: name, detail: 'not an object' }]);
  const rates: PsaRates = {};
  for (const key of Object.keys(value)) {
    if (key !== 'roles' && key !== 'contract_roles') {
      throw invalid(`${name}.${key} is unknown: expected roles and contract_roles`, [{ field: `${name}.${key}`, detail: 'unknown' }]);
    }
  }
  if (value.roles !== undefined) {
    if (!isPlainObject(value.roles)) throw invalid(`${name}.roles must be an object {roleId: rate}`);
    rates.roles = {};
    for (const [role, rate] of Object.entries(value.roles)) {
      checkKey(role, `${name}.roles`);
      rates.roles[role] = rateAt(rate, `${name}.roles[${JSON.stringify(role)}]`);
    }
  }
  if (value.contract_roles !== undefined) {
    if (!isPlainObject(value.contract_roles)) throw invalid(`${name}.contract_roles must be an object {contractId: {roleId: rate}}`);
    rates.contract_roles = {};
    for (const [contract, roles] of Object.entries(value.contract_roles)) {
      checkKey(contract, `${name}.contract_roles`);
      if (!isPlainObject(roles)) throw invalid(`${name}.contract_roles[${JSON.stringify(contract)}] must be an object {roleId: rate}`);
      const map: Record<string, number> = {};
      for (const [role, rate] of Object.entries(roles)) {
        checkKey(role, `${name}.contract_roles[${JSON.stringify(contract)}]`);
        map[role] = rateAt(rate, `${name}.contract_roles[${JSON.stringify(contract)}][${JSON.stringify(role)}]`);
      }
      rates.contract_roles[contract] = map;
    }
  }
  return rates;
}

/** Stored lookups with this push's on top (a pushed value wins over a stored one). */
export function mergeLabels(stored: PsaLabels, pushed: PsaLabels | undefined): PsaLabels {
  if (!pushed) return stored;
  const merged: PsaLabels = { ...stored };
  for (const [field, values] of Object.entries(pushed)) merged[field] = { ...(stored[field] ?? {}), ...values };
  return merged;
}

export function mergeRates(stored: PsaRates, pushed: PsaRates | undefined): PsaRates {
  if (!pushed) return stored;
  const contractRoles = { ...(stored.contract_roles ?? {}) };
  for (const [contract, roles] of Object.entries(pushed.contract_roles ?? {}))
    contractRoles[contract] = { ...(contractRoles[contract] ?? {}), ...roles };
  return { roles: { ...(stored.roles ?? {}), ...(pushed.roles ?? {}) }, contract_roles: contractRoles };
}
