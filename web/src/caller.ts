import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Role = 'admin' | 'deployer' | 'read-only';

export interface Caller {
  name: string;
  role: Role;
}

export const CallerContext = createContext<Caller>({ name: '', role: 'read-only' });

/**
 * What the signed-in token may do, as the server decides it: queries are `read`, the
 * deployment actions (deploy, redeploy, rollback, start, stop, reload, cancel) `deploy`,
 * every other change `admin`. Controls a token may not use are not shown; the server
 * refuses them anyway.
 */
export function useCan(): { deploy: boolean; admin: boolean; caller: Caller } {
  const caller = useContext(CallerContext);
  return { deploy: caller.role !== 'read-only', admin: caller.role === 'admin', caller };
}
