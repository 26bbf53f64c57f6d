import application from './application.js';
import applicationTraefik from './application-traefik.js';
import applicationLogs from './application-logs.js';
import applicationMonitoring from './application-monitoring.js';
import bitbucket from './bitbucket.js';
import cluster from './cluster.js';
import deployment from './deployment.js';
import docker from './docker.js';
import domain from './domain.js';
import environment from './environment.js';
import gitea from './gitea.js';
import github from './github.js';
import gitlab from './gitlab.js';
import gitProvider from './gitProvider.js';
import monitoring from './monitoring.js';
import mounts from './mounts.js';
import port from './port.js';
import type { Procedure } from './procedure.js';
import project from './project.js';
import redirects from './redirects.js';
import registry from './registry.js';
import rollback from './rollback.js';
import security from './security.js';
import sshKey from './sshKey.js';
import swarm from './swarm.js';
import user from './user.js';

/** The one procedure table; both transports (REST and tRPC) serve exactly this. */
export const procedures: Procedure[] = [...project, ...environment, ...application, ...applicationTraefik, ...applicationLogs, ...applicationMonitoring, ...deployment, ...rollback, ...user, ...domain, ...mounts, ...port, ...redirects, ...security, ...registry, ...sshKey, ...gitProvider, ...github, ...gitlab, ...bitbucket, ...gitea, ...monitoring, ...docker, ...swarm, ...cluster];
