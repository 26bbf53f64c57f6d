import path from 'node:path';

/** Where a deployment's files live under the data directory (DESIGN §6). Logs: log.ts. */

/** A job's private work tree, removed when the job ends. */
export const workDirOf = (dataDir: string, deploymentId: string) => path.join(dataDir, 'builds', deploymentId);

/** Archives being received; anything left there at start is from an upload a crash cut short. */
export const incomingUploadsOf = (dataDir: string) => path.join(dataDir, 'uploads', 'incoming');

/** Drop source: each application's latest archive, and a link to it per deployment that builds it. */
export const latestUploadOf = (dataDir: string, appName: string) => path.join(dataDir, 'uploads', 'latest', appName);
export const uploadFor = (dataDir: string, deploymentId: string) => path.join(dataDir, 'uploads', 'deployment', deploymentId);

/** An application's file mounts, bound into its containers. */
export const filesDirOf = (dataDir: string, appName: string) => path.join(dataDir, 'files', appName);

/** The immutable tag of the image a deployment builds. */
export const imageTagOf = (appName: string, deploymentId: string) => `${appName}:${deploymentId}`;
