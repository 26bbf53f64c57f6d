/**
 * Removes secrets from text before it is written anywhere (deployment logs). Known values
 * are replaced wherever they occur; credentials in URLs and `Authorization` headers are
 * replaced whatever their value, so a secret Berth was never told about still does not
 * leak through the two places tools print them.
 */
export const REDACTED = '********';

/** Shorter values would match ordinary words and numbers too often to be worth hiding. */
export const MIN_SECRET_LENGTH = 4;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `scheme://user:password@` → the password part. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#@]+@/gi;
/** `Authorization: Basic …`, `authorization=Bearer …` (headers, traces, `-c http.extraHeader=…`). */
const AUTH_HEADER = /\b((?:proxy-)?authorization\s*[:=]\s*)(?:(basic|bearer|token)\s+)?\S+/gi;

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(values: Iterable<string | null | undefined> = []) {
    for (const v of values) this.add(v);
  }

  /**
   * Adds a secret. A multi-line value (a private key, a quoted dotenv value) is added line
   * by line, since logs are redacted a line at a time.
   */
  add(value: string | null | undefined): void {
    if (!value) return;
    let changed = false;
    for (const part of value.split(/\r?\n|\r/)) {
      const v = part.trim();
      if (v.length >= MIN_SECRET_LENGTH && !this.secrets.has(v)) {
        this.secrets.add(v);
        changed = true;
      }
    }
    // Longest first, so a secret that contains another is hidden whole.
    if (changed) this.pattern = new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
  }

  redact(text: string): string {
    const known = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    return known
      .replace(URL_PASSWORD, `$1${REDACTED}@`)
      .replace(AUTH_HEADER, (_, head: string, scheme?: string) => `${head}${scheme ? `${scheme} ` : ''}${REDACTED}`);
  }
}
