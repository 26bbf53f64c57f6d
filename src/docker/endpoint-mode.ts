import { existsSync } from 'node:fs';

/**
 * Swarm's endpoint mode. `vip` (Docker's default) needs IPVS in the kernel: the virtual IP
 * and the ingress routing mesh are IPVS load balancers. Without it a `vip` service never
 * becomes reachable, so such hosts must use `dnsrr` (DNS round robin over the task IPs)
 * and publish ports in `host` mode (DESIGN §4).
 */
export type EndpointMode = 'vip' | 'dnsrr';
export type EndpointModeSetting = EndpointMode | 'auto';

const settings: readonly EndpointModeSetting[] = ['vip', 'dnsrr', 'auto'];

/** BERTH_ENDPOINT_MODE: `vip`, `dnsrr` or `auto` (the default). */
export function endpointModeSetting(raw: string | undefined): EndpointModeSetting {
  if (raw === undefined || raw === '') return 'auto';
  if (!(settings as readonly string[]).includes(raw))
    throw new Error(`BERTH_ENDPOINT_MODE must be one of ${settings.join(', ')}, got "${raw}"`);
  return raw as EndpointModeSetting;
}

/** The kernel's IPVS table; it exists once the ip_vs module is loaded. */
export const hostHasIpvs = () => existsSync('/proc/net/ip_vs');

/**
 * The mode services get. `auto` looks at this host's kernel, which is the engine's kernel
 * only when the engine is local (a unix socket); for a remote DOCKER_HOST it keeps
 * Docker's default, and an operator whose remote kernel lacks IPVS sets `dnsrr`.
 */
export function resolveEndpointMode(setting: EndpointModeSetting, dockerHost: string, hasIpvs: () => boolean = hostHasIpvs): EndpointMode {
  if (setting !== 'auto') return setting;
  if (!dockerHost.startsWith('unix://')) return 'vip';
  return hasIpvs() ? 'vip' : 'dnsrr';
}
