import fs from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { listTraefikFiles, readTraefikFile, writeTraefikFile } from './files.js';
import { httpsRedirectName, httpsRedirectPort } from './render.js';

/** The HTTPS port the files' redirects were last brought to; beside the dynamic folder, not in it (Traefik reads that). */
const stateFileOf = (dataDir: string) => path.join(dataDir, 'traefik', 'https-port');

/**
 * The file's text with its HTTP→HTTPS redirect naming `httpsPort`: only that value changes,
 * so the rest of a hand-edited file stays as it was. The text itself when there is nothing
 * to change (no such redirect, or YAML that does not parse).
 */
export function withHttpsPort(text: string, appName: string, httpsPort: number): string {
  const doc = parseDocument(text);
  const at = ['http', 'middlewares', httpsRedirectName(appName), 'redirectScheme'];
  if (doc.errors.length > 0 || !isMap(doc.getIn(at))) return text;
  const port = httpsRedirectPort(httpsPort);
  if (doc.getIn([...at, 'port']) === port) return text;
  if (port) doc.setIn([...at, 'port'], port);
  else doc.deleteIn([...at, 'port']);
  return doc.toString({ lineWidth: 0 });
}

/**
 * At start, when BERTH_HTTPS_PORT is not the port the files were written for: every
 * application's redirect follows it (files are otherwise rendered only when their rows change).
 */
export function followHttpsPort(dataDir: string, httpsPort: number): void {
  const state = stateFileOf(dataDir);
  if (fs.existsSync(state) && fs.readFileSync(state, 'utf8').trim() === String(httpsPort)) return;
  for (const { appName } of listTraefikFiles(dataDir)) {
    const text = readTraefikFile(dataDir, appName);
    const patched = text && withHttpsPort(text, appName, httpsPort);
    if (patched && patched !== text) writeTraefikFile(dataDir, appName, patched);
  }
  fs.mkdirSync(path.dirname(state), { recursive: true });
  fs.writeFileSync(state, `${httpsPort}\n`);
}
