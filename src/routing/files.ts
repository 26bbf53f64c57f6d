import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The folder Traefik's file provider watches (DESIGN §6). */
export const dynamicDirOf = (dataDir: string) => path.join(dataDir, 'traefik', 'dynamic');

/** An application's file in it. appName is a Swarm service name: no separators, no dots-only names. */
export const traefikFileOf = (dataDir: string, appName: string) => path.join(dynamicDirOf(dataDir), `${appName}.yml`);

/** The file's text, or null when the application has none. */
export function readTraefikFile(dataDir: string, appName: string): string | null {
  try {
    return fs.readFileSync(traefikFileOf(dataDir, appName), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Replaces the file in one step: Traefik's watcher (and any reader) sees the old text or
 * the new one, never a half-written file. The temporary name ends in `.tmp` because the
 * file provider only loads `.yml`, `.yaml` and `.toml` files.
 */
export function writeTraefikFile(dataDir: string, appName: string, text: string): void {
  const file = traefikFileOf(dataDir, appName);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${appName}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function removeTraefikFile(dataDir: string, appName: string): void {
  fs.rmSync(traefikFileOf(dataDir, appName), { force: true });
}

/** The application names of the `.yml` files in the dynamic folder, with their first line. */
export function listTraefikFiles(dataDir: string): { appName: string; firstLine: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dynamicDirOf(dataDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.yml') && !n.startsWith('.'))
    .map((n) => {
      const appName = n.slice(0, -'.yml'.length);
      return { appName, firstLine: (readTraefikFile(dataDir, appName) ?? '').split('\n', 1)[0] };
    });
}
