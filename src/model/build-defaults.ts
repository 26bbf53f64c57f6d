/**
 * What a build uses where the application leaves a setting empty. The store's column
 * defaults are these values, and the builders fall back to them for null or "".
 */
export const BUILD_DEFAULTS = {
  buildPath: '/',
  dockerfile: 'Dockerfile',
  /** heroku/builder:<version> */
  herokuVersion: '24',
  railpackVersion: '0.15.4',
} as const;
