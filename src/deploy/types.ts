import type { ApplicationRow, MountRow, PortRow } from '../store/schema.js';

/**
 * The contracts between the deploy pipeline's families (DESIGN §9, dokku): a source
 * fetches, a builder builds, the engine releases. Adding a source or a builder is adding
 * a file that implements one of these, not editing a switch in five places.
 */

/** An application as a job sees it: secrets decrypted, with what the Swarm spec needs. */
export interface DeployableApplication extends ApplicationRow {
  mounts: MountRow[];
  ports: PortRow[];
}

/** Appends lines to the deployment's log; secrets are redacted before anything is written. */
export interface LogSink {
  line(text: string): void;
  /** Also redacts `value` from now on: a secret learnt during the job (a short-lived token). */
  secret?(value: string): void;
}

export interface ExecOptions {
  cwd?: string;
  /** Extra environment for the child (merged over a minimal safe environment). */
  env?: Record<string, string>;
  /** Written to the child's stdin, then closed. */
  stdin?: string;
  /** Also told each line of output (as it was before redaction), e.g. to quote the program's last words in an error. */
  onLine?: (line: string) => void;
}

/**
 * Runs one program with an argv array (never a shell), streaming its output into the
 * log line by line; rejects with the exit status. On abort the whole process group dies.
 */
export type Exec = (argv: string[], opts?: ExecOptions) => Promise<void>;

export interface JobContext {
  deploymentId: string;
  app: DeployableApplication;
  /** A private, empty directory for this job (removed when the job ends). */
  workDir: string;
  log: LogSink;
  signal: AbortSignal;
  exec: Exec;
  /** The revision to fetch instead of the branch tip (a redeploy: the current release's). */
  commit?: string;
  /** The application's env and build args with their `${{…}}` references resolved. */
  vars: { env: Record<string, string>; buildArgs: Record<string, string> };
}

/** What a source produced: code to build, or an image to run as it is. */
export type Fetched =
  | { kind: 'code'; dir: string; commit?: string; message?: string }
  | { kind: 'image'; image: string };

export interface Source {
  fetch(ctx: JobContext): Promise<Fetched>;
}

export interface Builder {
  /** Builds `dir` into the image `tag` (`<appName>:<deploymentId>`). */
  build(ctx: JobContext, dir: string, tag: string): Promise<void>;
}
