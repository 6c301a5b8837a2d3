import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/config/config.js';

/** The repository's documentation stands on its own: no pointer to files outside the repository. */
const REPO = resolve(packageRoot, '..');
const PAGES = [
  join(REPO, 'README.md'),
  join(packageRoot, 'mock-data', 'README.md'),
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(REPO, 'docs', f)),
];

describe('documentation links', () => {
  it.each(PAGES.map((p) => [p.slice(REPO.length + 1), p]))('%s points at nothing outside the repository', (_name, page) => {
    const text = readFileSync(page, 'utf8');
    expect(text.match(/shared\/(spec|research|fixtures)\/[\w./-]*/g) ?? []).toEqual([]);
    // Relative Markdown links resolve to a file of the repository.
    const broken = [...text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)]
      .map((m) => m[1]!)
      .filter((target) => {
        const path = resolve(dirname(page), target);
        return !path.startsWith(REPO) || !existsSync(path);
      });
    expect(broken).toEqual([]);
  });
});
