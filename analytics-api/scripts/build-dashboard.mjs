#!/usr/bin/env node
/**
 * Builds the KPI dashboard (analytics-api/dashboard/) into dist/dashboard/:
 *   index.html, app.<hash>.js (Chart.js tree-shaken and minified by esbuild), styles.<hash>.css,
 *   favicon.svg, and a .br and .gz copy of each for servers that send precompressed files.
 * The hashed names let src/dashboard/plugin.ts cache the assets for a year while index.html is
 * always revalidated. dist/dashboard/ also holds the compiled plugin (tsc output), so this script
 * only removes the files it produces itself.
 *
 *   node scripts/build-dashboard.mjs [--quiet]
 */
import { build } from 'esbuild';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'dashboard');
const outDir = join(root, 'dist', 'dashboard');
const quiet = process.argv.includes('--quiet');

/** Every file name this script writes (and only those are cleaned before a build). */
export const OWN_FILE = /^(index\.html|favicon\.svg|app\.[A-Z0-9]+\.js|styles\.[A-Z0-9]+\.css)(\.br|\.gz)?$/;

async function main() {
  await mkdir(outDir, { recursive: true });
  for (const name of await readdir(outDir)) {
    if (OWN_FILE.test(name)) await rm(join(outDir, name));
  }

  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: join(srcDir, 'src', 'main.ts'), styles: join(srcDir, 'styles.css') },
    entryNames: '[name].[hash]',
    outdir: outDir,
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'edge100', 'firefox100', 'safari15'],
    sourcemap: false,
    legalComments: 'eof',
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });

  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((n) => /^app\.[A-Z0-9]+\.js$/.test(n));
  const css = outputs.find((n) => /^styles\.[A-Z0-9]+\.css$/.test(n));
  if (!js || !css) throw new Error(`unexpected esbuild outputs: ${outputs.join(', ')}`);

  const html = (await readFile(join(srcDir, 'index.html'), 'utf8')).replaceAll('__APP_JS__', js).replaceAll('__APP_CSS__', css);
  if (html.includes('__APP_')) throw new Error('index.html still has a placeholder');
  await writeFile(join(outDir, 'index.html'), html);
  await writeFile(join(outDir, 'favicon.svg'), await readFile(join(srcDir, 'favicon.svg')));

  const rows = [];
  for (const name of ['index.html', js, css, 'favicon.svg']) {
    const body = await readFile(join(outDir, name));
    const gz = gzipSync(body, { level: 9 });
    const br = brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
    await writeFile(join(outDir, `${name}.gz`), gz);
    await writeFile(join(outDir, `${name}.br`), br);
    rows.push({ file: name, bytes: body.length, gzip: gz.length, brotli: br.length });
  }
  if (!quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
    console.log(`dashboard → ${outDir}`);
    for (const r of rows) console.log(`  ${r.file.padEnd(24)} ${kb(r.bytes)}  gzip ${kb(r.gzip)}  br ${kb(r.brotli)}`);
  }
}

main().catch((err) => {
  console.error(`build-dashboard: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
