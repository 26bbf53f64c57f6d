/** The application's dotenv texts whose values are secrets: env, build args, build secrets, and those of its previews. */
export const secretDotenvColumns = ['env', 'buildArgs', 'buildSecrets', 'previewEnv', 'previewBuildArgs', 'previewBuildSecrets'] as const;

/**
 * Every application column that holds a secret: the dotenv texts, the docker-source
 * password and the webhook secret. The store encrypts them at rest, logs redact their values, the API masks them.
 */
/** Secret columns holding one value each (masked whole): the docker-source password, the webhook secret. */
export const secretValueColumns = ['password', 'webhookSecret'] as const;

export const secretColumns = [...secretDotenvColumns, ...secretValueColumns] as const;

export type SecretColumn = (typeof secretColumns)[number];
