import { conflict } from '../model/errors.js';

/**
 * The answer of `cluster.addWorker` / `cluster.addManager`: the command a new machine runs
 * to join this Swarm. Pure: the facts come from the swarm itself (docker info, the
 * manager's own node), never from a guess at this machine's addresses.
 */

export type JoinRole = 'worker' | 'manager';

/** What the manager Berth talks to says about its Swarm. */
export interface JoinFacts {
  /** The engine is a Swarm manager (only a manager knows the join tokens). */
  isManager: boolean;
  tokens: { Worker?: string; Manager?: string };
  /** `ManagerStatus.Addr` of this manager's node: the address and port it listens on for joins. */
  managerAddr?: string;
  /** `Swarm.NodeAddr` of docker info: the address the node advertises (port not included). */
  nodeAddr?: string;
  engineVersion: string;
}

export interface JoinAnswer {
  /** Dokploy's field: `docker swarm join --token <token> <address>`. */
  command: string;
  /** Dokploy's field: the manager's Docker engine version. */
  version: string;
  role: JoinRole;
  token: string;
  /** `host:port` the new node dials. */
  address: string;
}

const SWARM_PORT = 2377;

/** `host` as Docker writes an address with a port (IPv6 in brackets). */
const withPort = (host: string) => (host.includes(':') ? `[${host}]:${SWARM_PORT}` : `${host}:${SWARM_PORT}`);
const hostOf = (addr: string) => addr.replace(/^\[/, '').replace(/\](:\d+)?$/, '').replace(/^([^:]+):\d+$/, '$1');
const LOOPBACK = /^(127\.|::1$|localhost$|0\.0\.0\.0$)/;

export function joinAnswer(role: JoinRole, facts: JoinFacts): JoinAnswer {
  if (!facts.isManager) throw conflict('The Docker engine Berth talks to is not a Swarm manager: only a manager hands out join tokens');
  const token = role === 'worker' ? facts.tokens.Worker : facts.tokens.Manager;
  if (!token) throw conflict(`The Swarm gave no ${role} join token`);
  // the manager's own listen address carries the real port (a swarm may listen elsewhere than 2377)
  const address = facts.managerAddr || (facts.nodeAddr ? withPort(facts.nodeAddr) : '');
  if (!address) throw conflict('The Swarm does not say which address it advertises');
  if (LOOPBACK.test(hostOf(address)))
    throw conflict(
      `The Swarm advertises ${address}, which no other machine can reach. Create it with an address the nodes reach (docker swarm init --advertise-addr <address>) before adding nodes`,
    );
  return { command: `docker swarm join --token ${token} ${address}`, version: facts.engineVersion, role, token, address };
}
