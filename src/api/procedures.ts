import application from './application.js';
import bitbucket from './bitbucket.js';
import deployment from './deployment.js';
import domain from './domain.js';
import environment from './environment.js';
import gitea from './gitea.js';
import github from './github.js';
import gitlab from './gitlab.js';
import gitProvider from './gitProvider.js';
import mounts from './mounts.js';
import port from './port.js';
import type { Procedure } from './procedure.js';
import project from './project.js';
import redirects from './redirects.js';
import registry from './registry.js';
import security from './security.js';
import sshKey from './sshKey.js';
import user from './user.js';

/** The one procedure table; both transports (REST and tRPC) serve exactly this. */
export const procedures: Procedure[] = [...project, ...environment, ...application, ...deployment, ...user, ...domain, ...mounts, ...port, ...redirects, ...security, ...registry, ...sshKey, ...gitProvider, ...github, ...gitlab, ...bitbucket, ...gitea];
