#!/usr/bin/env node
// Writes the importable n8n credential "Analytics API Service Token" (Header Auth,
// `Authorization: Bearer <SERVICE_TOKEN>`) from the SERVICE_TOKEN environment variable.
//
//   SERVICE_TOKEN=... node n8n/scripts/make-credential.mjs /secure/path/credential.json
//   n8n import:credentials --input=/secure/path/credential.json   # n8n encrypts it on import
//   rm /secure/path/credential.json
//
// The token is never printed. The file is created with mode 0600 and holds the token in clear text
// until n8n imports it: write it outside the repository (or to a temp dir) and delete it afterwards.

import { readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const TEMPLATE_PATH = join(here, '..', 'credentials', 'analytics-api-service-token.template.json');
export const PLACEHOLDER = '__SERVICE_TOKEN__';

/** Returns the credential array (as n8n's import:credentials expects) with the token filled in. */
export function buildCredential(token) {
  if (typeof token !== 'string' || token.length === 0) throw new Error('SERVICE_TOKEN is not set');
  if (token.length < 32) throw new Error('SERVICE_TOKEN must be at least 32 characters (the API refuses shorter tokens)');
  if (/\s/.test(token)) throw new Error('SERVICE_TOKEN must not contain whitespace');
  const template = JSON.parse(readFileSync(TEMPLATE_PATH, 'utf8'));
  let replaced = 0;
  const filled = template.map((cred) => {
    const value = String(cred.data?.value ?? '');
    if (value.includes(PLACEHOLDER)) replaced += 1;
    return { ...cred, data: { ...cred.data, value: value.replace(PLACEHOLDER, token) } };
  });
  if (replaced !== 1) throw new Error(`template ${TEMPLATE_PATH} must contain the placeholder ${PLACEHOLDER} exactly once`);
  return filled;
}

/** Writes the credential file (mode 0600). Returns { id, name } of the credential, never the token. */
export function writeCredential(outPath, token) {
  const creds = buildCredential(token);
  writeFileSync(outPath, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  chmodSync(outPath, 0o600);
  return { id: creds[0].id, name: creds[0].name };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const out = args.find((a) => !a.startsWith('--'));
  if (!out || args.includes('--help')) {
    console.error('usage: SERVICE_TOKEN=... node n8n/scripts/make-credential.mjs <output.json> [--force]');
    process.exit(out ? 0 : 2);
  }
  const outPath = resolve(out);
  if (existsSync(outPath) && !force) {
    console.error(`refusing to overwrite ${outPath} (pass --force)`);
    process.exit(1);
  }
  try {
    const { id, name } = writeCredential(outPath, process.env.SERVICE_TOKEN);
    console.log(`wrote n8n credential "${name}" (id ${id}, type httpHeaderAuth) to ${outPath} (mode 0600; token not shown)`);
    console.log(`next: n8n import:credentials --input=${outPath} && rm ${outPath}`);
  } catch (err) {
    console.error(`make-credential: ${err.message}`);
    process.exit(1);
  }
}
