import { customAlphabet } from 'nanoid';

/**
 * appName rules (reference/API.md §3.1). The appName is the Swarm service name, the
 * Traefik file name and the log folder, so Berth keeps it a DNS label: lowercase
 * letters, digits and '-', at most 63 characters, starting and ending alphanumeric.
 */

export const APP_NAME_MAX = 63;
const SUFFIX_LENGTH = 6;
const suffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', SUFFIX_LENGTH);

const verbs = ['build', 'ship', 'sail', 'dock', 'lift', 'hoist', 'steer', 'moor', 'bind', 'parse', 'index', 'route'];
const adjectives = ['swift', 'calm', 'bold', 'quiet', 'bright', 'steady', 'brave', 'clever', 'gentle', 'solid', 'lucid', 'nimble'];
const nouns = ['harbor', 'anchor', 'beacon', 'keel', 'compass', 'vessel', 'pier', 'lantern', 'current', 'tide', 'buoy', 'hull'];

const pick = (words: string[]) => words[Math.floor(Math.random() * words.length)];

/** Lower-cases and reduces any text to DNS-label characters, without the length rule. */
function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `<slug of base>-<6 random chars>`, the base cut so the whole stays a valid service name. */
export function buildAppName(base: string): string {
  const head = slug(base).slice(0, APP_NAME_MAX - SUFFIX_LENGTH - 1).replace(/-+$/, '') || 'app';
  return `${head}-${suffix()}`;
}

/** The name Berth picks when the caller gives none: `app-<verb>-<adjective>-<noun>-<6 chars>`. */
export function generateAppName(): string {
  return buildAppName(`app-${pick(verbs)}-${pick(adjectives)}-${pick(nouns)}`);
}

/** The base an appName was built from: its random suffix removed, to build a sibling name. */
export function appNameBase(appName: string): string {
  return appName.replace(new RegExp(`-[a-z0-9]{${SUFFIX_LENGTH}}$`), '');
}
