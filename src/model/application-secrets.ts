/** The application's dotenv texts whose values are secrets: env, build args, build secrets, and those of its previews. */
export const secretDotenvColumns = ['env', 'buildArgs', 'buildSecrets', 'previewEnv', 'previewBuildArgs', 'previewBuildSecrets'] as const;

/**
 * Every application column that holds a secret: the dotenv texts and the docker-source
 * password. The store encrypts them at rest, logs redact their values, the API masks them.
 */
export const secretColumns = [...secretDotenvColumns, 'password'] as const;

export type SecretColumn = (typeof secretColumns)[number];
