/**
 * SSH key pairs through the system `ssh-keygen` (run with an argv array, never a shell):
 * it writes and reads exactly the OpenSSH formats `ssh` and `git` will use. Keys only touch
 * disk inside a private temporary directory (0700, files 0600) removed right after.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TIMEOUT_MS = 30_000;

async function inPrivateDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ssh-'));
  try {
    return await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const keygen = (args: string[]) => run('ssh-keygen', args, { timeout: TIMEOUT_MS });

/**
 * The public key (`<type> <base64>`) a private key belongs to, or undefined when
 * `ssh-keygen` cannot read it (damaged, or protected by a passphrase).
 */
export function publicKeyOf(privateKey: string): Promise<string | undefined> {
  return inPrivateDir(async (dir) => {
    const file = path.join(dir, 'key');
    await fs.writeFile(file, privateKey, { mode: 0o600 });
    try {
      // -P '': a passphrase-protected key fails instead of prompting.
      const { stdout } = await keygen(['-y', '-P', '', '-f', file]);
      return stdout.trim() || undefined;
    } catch {
      return undefined;
    }
  });
}

/** A new key pair in OpenSSH format, without passphrase; RSA keys are 4096 bits, as Dokploy makes them. */
export function generateKeyPair(type: 'rsa' | 'ed25519'): Promise<{ privateKey: string; publicKey: string }> {
  return inPrivateDir(async (dir) => {
    const file = path.join(dir, 'key');
    await keygen(['-q', '-t', type, ...(type === 'rsa' ? ['-b', '4096'] : []), '-N', '', '-C', 'berth', '-f', file]);
    const [privateKey, publicKey] = await Promise.all([fs.readFile(file, 'utf8'), fs.readFile(`${file}.pub`, 'utf8')]);
    return { privateKey, publicKey: publicKey.trim() };
  });
}
