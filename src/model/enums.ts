/** The contract's enums (reference/API.md §2): validation, storage and types share these tuples. */
export const sourceTypes = ['docker', 'git', 'github', 'gitlab', 'bitbucket', 'gitea', 'drop'] as const;
export const buildTypes = [
  'dockerfile',
  'heroku_buildpacks',
  'paketo_buildpacks',
  'nixpacks',
  'static',
  'railpack',
] as const;
export const applicationStatuses = ['idle', 'running', 'done', 'error'] as const;
export const deploymentStatuses = ['running', 'done', 'error', 'cancelled'] as const;
export const triggerTypes = ['push', 'tag'] as const;
export const certificateTypes = ['letsencrypt', 'none', 'custom'] as const;
export const domainTypes = ['compose', 'application', 'preview'] as const;
export const mountTypes = ['bind', 'volume', 'file'] as const;
export const serviceTypes = [
  'application',
  'postgres',
  'mysql',
  'mariadb',
  'mongo',
  'redis',
  'compose',
  'libsql',
] as const;
export const protocolTypes = ['tcp', 'udp'] as const;
export const publishModeTypes = ['ingress', 'host'] as const;
export const registryTypes = ['selfHosted', 'cloud'] as const;
export const gitProviderTypes = ['github', 'gitlab', 'bitbucket', 'gitea'] as const;
export const apiKeyRoles = ['admin', 'deployer', 'read-only'] as const;
/** Notification providers (Dokploy's `notificationType`). */
export const notificationTypes = ['slack', 'telegram', 'discord', 'email', 'resend', 'gotify', 'ntfy', 'mattermost', 'custom', 'lark', 'teams', 'pushover'] as const;
