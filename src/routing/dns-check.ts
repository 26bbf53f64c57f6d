import { Resolver } from 'node:dns/promises';
import { normalizeHost } from '../model/domain.js';

/** `domain.validateDomain`'s answer (the contract's shape; Berth detects no CDN, so `cdnProvider` is never set). */
export interface DomainCheck {
  isValid: boolean;
  resolvedIp?: string;
  error?: string;
}

/** The host a user typed, forgiving a pasted URL as Dokploy does (scheme and path dropped). */
export function hostToCheck(input: string): { host: string } | { error: string } {
  return normalizeHost(input.trim().replace(/^https?:\/\//i, '').split('/')[0]);
}

/** Whether the A records point where traffic must arrive: at `expectedIp` when one is known. */
export function judgeARecords(ips: string[], expectedIp?: string): DomainCheck {
  const resolvedIp = ips.join(', ');
  if (ips.length === 0) return { isValid: false, error: 'The domain has no A record' };
  if (expectedIp && !ips.includes(expectedIp)) return { isValid: false, resolvedIp, error: `The domain resolves to ${resolvedIp} but should point to ${expectedIp}` };
  return { isValid: true, resolvedIp };
}

/** Answers within a few seconds, whatever DNS does: the caller is waiting on an HTTP request. */
const TIMEOUT_MS = 3000;

/** Looks the A records up in public DNS (not /etc/hosts: what the world sees is what counts). Never throws. */
export async function checkDomain(domain: string, expectedIp?: string): Promise<DomainCheck> {
  const target = hostToCheck(domain);
  if ('error' in target) return { isValid: false, error: `The domain ${target.error}` };
  const resolver = new Resolver({ timeout: TIMEOUT_MS, tries: 1 });
  try {
    return judgeARecords(await resolver.resolve4(target.host), expectedIp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOTFOUND' ? 'does not exist' : code === 'ENODATA' ? 'has no A record' : code === 'ETIMEOUT' ? 'could not be resolved in time' : `could not be resolved (${code ?? (err as Error).message})`;
    return { isValid: false, error: `${target.host} ${why}` };
  }
}
