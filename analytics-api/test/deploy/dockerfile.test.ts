/**
 * analytics-api/Dockerfile's promises, checked as text (no Docker engine on these machines): stages,
 * production dependencies, non-root user, init, port, health check without curl, the /app layout,
 * and a build context (repository root + .dockerignore) that holds every file the COPYs need.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './paths.js';

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

const source = readFileSync(join(repoRoot, 'analytics-api/Dockerfile'), 'utf8');

function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) && current === '') continue;
    if (/^\s*#/.test(line)) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/s.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, image = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(rest) ?? [];
      stages.push({ image: image.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? ''), name, instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [name = '', value = ''] = rest.split('=');
      args[name] = value;
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: rest.replace(/\s+/g, ' ') });
    }
  }
  return { args, stages };
}

const { stages } = parseDockerfile(source);
const final = stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

/** COPY instructions of a stage with their destination resolved against the WORKDIR in force. */
function copies(stage: Stage): { from?: string; sources: string[]; dest: string; chown?: string }[] {
  let workdir = '/';
  const out: { from?: string; sources: string[]; dest: string; chown?: string }[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.args);
    if (instruction.keyword !== 'COPY') continue;
    const words = instruction.args.split(' ');
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const dest = paths.pop()!;
    out.push({
      from: flags.find((f) => f.startsWith('--from='))?.slice(7),
      chown: flags.find((f) => f.startsWith('--chown='))?.slice(8),
      sources: paths,
      dest: posix.resolve(workdir, dest),
    });
  }
  return out;
}

/** .dockerignore patterns as the build uses them (root-anchored, `**\/` = any depth, no `!` here). */
function ignored(path: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const anyDepth = pattern.startsWith('**/');
    const p = anyDepth ? pattern.slice(3) : pattern;
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    if (re.test(path)) return true;
    if (!anyDepth) return false;
    const parts = path.split('/');
    return parts.some((_, i) => re.test(parts.slice(i).join('/')));
  });
}

describe('analytics-api/Dockerfile', () => {
  it('is multi-stage on an official slim Node 20/22 image, every stage but the last named', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:(20|22)[\w.-]*-slim$/);
    for (const stage of stages.slice(0, -1)) expect(stage.name).toBeTruthy();
  });

  it('builds with dev dependencies and ships production dependencies only, from the root lockfile', () => {
    const runs = stages.flatMap((s) => all(s, 'RUN').map((r) => ({ stage: s.name, cmd: r.args })));
    const prodStage = runs.find((r) => /npm ci\b.*--omit=dev.*-w analytics-api/.test(r.cmd))?.stage;
    expect(prodStage, 'a stage runs `npm ci --omit=dev -w analytics-api`').toBeTruthy();
    const buildStage = runs.find((r) => /npm run build/.test(r.cmd))?.stage;
    expect(buildStage).toBeTruthy();
    expect(prodStage).not.toBe(buildStage);
    const finalCopies = copies(final);
    const nodeModules = finalCopies.find((c) => c.dest === '/app/node_modules');
    expect(nodeModules?.from).toBe(prodStage);
    expect(finalCopies.filter((c) => c.from === buildStage).map((c) => c.dest)).toEqual(['/app/dist']);
    expect(copies(stages.find((s) => s.name === prodStage)!).flatMap((c) => c.sources)).toContain('package-lock.json');
  });

  it('lays out /app as the package root: dist, migrations and the baked mock data', () => {
    expect(last(final, 'WORKDIR')?.args).toBe('/app');
    const finalCopies = copies(final);
    expect(finalCopies.find((c) => c.dest === '/app/mock-data')?.sources).toEqual(['analytics-api/mock-data']);
    expect(finalCopies.find((c) => c.dest === '/app/migrations')?.sources).toEqual(['analytics-api/migrations']);
    expect(finalCopies.find((c) => c.dest === '/app/package.json')?.sources).toEqual(['analytics-api/package.json']);
    // Code and mock data stay root-owned: read-only for the app user.
    for (const copy of finalCopies) expect(copy.chown).toBeUndefined();
  });

  it('runs as a non-root user with an init process, and the exports folder is theirs', () => {
    const user = last(final, 'USER')?.args;
    expect(user).toBeTruthy();
    expect(['root', '0', '0:0']).not.toContain(user);
    const runs = all(final, 'RUN')
      .map((r) => r.args)
      .join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*\btini\b/);
    expect(last(final, 'ENTRYPOINT')?.args).toBe('["/usr/bin/tini", "--"]');
    expect(runs).toMatch(new RegExp(`chown ${user}:${user} /app/exports`));
    expect(runs).not.toMatch(/\b(curl|wget)\b/);
  });

  it('sets the environment defaults of the image', () => {
    const env = all(final, 'ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bMOCK_DATA_PATH=\/app\/mock-data\b/);
    expect(env).toMatch(/\bEXPORTS_PATH=\/app\/exports\b/);
    expect(env).toMatch(/\bPORT=8000\b/);
  });

  it("exposes 8000, checks /health with Node's fetch (no curl) and starts node directly", () => {
    expect(all(final, 'EXPOSE').map((e) => e.args)).toEqual(['8000']);
    const health = last(final, 'HEALTHCHECK')?.args ?? '';
    expect(health).toMatch(/CMD \["node", "-e", ".*fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|8000\)\+'\/health'/);
    expect(health).not.toMatch(/curl|wget/);
    const cmd = JSON.parse(last(final, 'CMD')?.args ?? 'null') as string[];
    expect(cmd).toEqual(['node', 'dist/main.js']);
  });

  it('finds every COPY source in the build context (repository root minus .dockerignore)', () => {
    const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const secret of [
      '.git',
      'node_modules/x',
      'analytics-api/node_modules/x',
      '.env',
      'analytics-api/.env.local',
      'analytics-api/dist/main.js',
    ]) {
      expect(ignored(secret, patterns), `${secret} is sent to the builder`).toBe(true);
    }
    for (const stage of stages) {
      for (const copy of copies(stage).filter((c) => !c.from)) {
        for (const src of copy.sources) {
          expect(existsSync(join(repoRoot, src)), `${src} missing`).toBe(true);
          expect(ignored(src, patterns), `${src} excluded by .dockerignore`).toBe(false);
        }
      }
    }
    // Sources the package build reads must reach the builder.
    for (const needed of [
      'analytics-api/src/main.ts',
      'analytics-api/src/cli.ts',
      'analytics-api/tsconfig.build.json',
      'analytics-api/migrations/001_initial_schema.sql',
    ]) {
      expect(ignored(needed, patterns), needed).toBe(false);
    }
  });

  it('matches the lockfile layout it relies on: every dependency hoisted to the root node_modules', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const nested = Object.keys(lock.packages).filter((key) => key.startsWith('analytics-api/node_modules/'));
    expect(nested, 'the deps stage refuses to build with a nested analytics-api/node_modules').toEqual([]);
  });
});
