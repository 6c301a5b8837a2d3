import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite stores its files in DATA_DIR and must be opened by one process at a time: two processes
 * writing the same folder would corrupt it. The owner writes its pid in DATA_DIR/.lock.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class EmbeddedDatabaseBusy extends Error {
  override name = 'EmbeddedDatabaseBusy';
}

export function lockEmbeddedDatabase(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, '.lock');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new EmbeddedDatabaseBusy(
      `the embedded database in ${dataDir} is in use by process ${holder} (the running server?); stop it first, ` +
        `or ask the running server over HTTP with the token in ${join(dataDir, 'quickstart.json')} (README, "While npm start runs"), or set DATABASE_URL`,
    );
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}
