import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt, timingSafeEqual, type DecipherGCM } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passphrase encryption of a backup archive, streamed. The file is
 *
 *   "BERTH-ENCRYPTED-BACKUP\n"  version(1) kdf(1 = scrypt) log2(N) r p  salt(16) iv(12) check(16)
 *   AES-256-GCM ciphertext of the .tar.gz   tag(16)
 *
 * scrypt (OWASP's N=2^17, r=8, p=1) turns the passphrase into 64 bytes: the first 32 are the
 * AES key, the hash of the other 32 is `check`, so a wrong passphrase is told apart from a
 * damaged file before anything is decrypted. GCM's tag at the end authenticates the whole.
 */

export const MAGIC = Buffer.from('BERTH-ENCRYPTED-BACKUP\n', 'ascii');
const VERSION = 1;
const KDF_SCRYPT = 1;
const SALT = 16;
const IV = 12;
const CHECK = 16;
const TAG = 16;
export const HEADER_SIZE = MAGIC.length + 5 + SALT + IV + CHECK;

export interface KdfParams {
  log2N: number;
  r: number;
  p: number;
}
export const DEFAULT_KDF: KdfParams = { log2N: 17, r: 8, p: 1 };
/** Bounds on what a header may ask for, so a forged one cannot make scrypt take the machine. */
const MAX_KDF: KdfParams = { log2N: 20, r: 16, p: 4 };

export class PassphraseError extends Error {}

interface Header {
  kdf: KdfParams;
  salt: Buffer;
  iv: Buffer;
  check: Buffer;
}

export function encodeHeader(h: Header): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([VERSION, KDF_SCRYPT, h.kdf.log2N, h.kdf.r, h.kdf.p]), h.salt, h.iv, h.check]);
}

export function decodeHeader(buf: Buffer): Header {
  if (buf.length < HEADER_SIZE || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an encrypted Berth backup');
  let at = MAGIC.length;
  const [version, kdf, log2N, r, p] = buf.subarray(at, (at += 5));
  if (version !== VERSION || kdf !== KDF_SCRYPT) throw new Error(`encrypted with format ${version}/${kdf}, which this Berth does not know: restore with a newer Berth`);
  if (log2N < 10 || log2N > MAX_KDF.log2N || r < 1 || r > MAX_KDF.r || p < 1 || p > MAX_KDF.p) throw new Error('the encryption header asks for key-derivation parameters out of bounds: damaged or forged');
  const salt = buf.subarray(at, (at += SALT));
  const iv = buf.subarray(at, (at += IV));
  const check = buf.subarray(at, (at += CHECK));
  return { kdf: { log2N, r, p }, salt, iv, check };
}

/** Whether a file's first bytes are this format's (else it should be a plain .tar.gz). */
export const isEncrypted = (head: Buffer) => head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC);

function derive(passphrase: string, salt: Buffer, kdf: KdfParams): Promise<{ key: Buffer; check: Buffer }> {
  const N = 2 ** kdf.log2N;
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), salt, 64, { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r + (1 << 20) }, (err, out) =>
      err ? reject(err) : resolve({ key: out.subarray(0, 32), check: createHash('sha256').update(out.subarray(32)).digest().subarray(0, CHECK) }),
    ),
  );
}

/** A stream that encrypts what goes through it into the format above. */
export async function encryptingStream(passphrase: string, kdf: KdfParams = DEFAULT_KDF): Promise<Transform> {
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const { key, check } = await derive(passphrase, salt, kdf);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!headerSent) {
        this.push(encodeHeader({ kdf, salt, iv, check }));
        headerSent = true;
      }
      done(null, cipher.update(chunk));
    },
    flush(done) {
      if (!headerSent) this.push(encodeHeader({ kdf, salt, iv, check }));
      this.push(cipher.final());
      done(null, cipher.getAuthTag());
    },
  });
}

/**
 * A stream that decrypts the format above. A wrong passphrase fails before any output
 * (PassphraseError); a changed byte anywhere fails at the end, when the tag is checked, so
 * whoever consumes the output must discard it unless the stream ends without error.
 */
export function decryptingStream(passphrase: string): Transform {
  let head = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  let tail = Buffer.alloc(0); // the last TAG bytes seen: the tag, once the input ends
  const feed = (t: Transform, chunk: Buffer) => {
    const all = Buffer.concat([tail, chunk]);
    tail = all.subarray(Math.max(0, all.length - TAG));
    if (all.length > TAG) t.push(decipher!.update(all.subarray(0, all.length - TAG)));
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (decipher) {
        feed(this, chunk);
        return done();
      }
      head = Buffer.concat([head, chunk]);
      if (head.length < HEADER_SIZE) return done();
      let header: Header;
      try {
        header = decodeHeader(head);
      } catch (err) {
        return done(err as Error);
      }
      derive(passphrase, header.salt, header.kdf).then(({ key, check }) => {
        if (!timingSafeEqual(check, header.check)) return done(new PassphraseError('wrong passphrase for this encrypted backup'));
        decipher = createDecipheriv('aes-256-gcm', key, header.iv);
        feed(this, head.subarray(HEADER_SIZE));
        done();
      }, done);
    },
    flush(done) {
      if (!decipher || tail.length < TAG) return done(new Error('the encrypted backup is cut short'));
      try {
        decipher.setAuthTag(tail);
        done(null, decipher.final());
      } catch {
        done(new Error('the encrypted backup was altered or damaged (its authentication tag does not match)'));
      }
    },
  });
}
