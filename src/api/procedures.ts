import environment from './environment.js';
import type { Procedure } from './procedure.js';
import project from './project.js';
import user from './user.js';

/** The one procedure table; both transports (REST and tRPC) serve exactly this. */
export const procedures: Procedure[] = [...project, ...environment, ...user];
