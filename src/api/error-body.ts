import { BerthError, type ErrorCode } from '../model/errors.js';

/** JSON-RPC numbers of tRPC's error codes, for the tRPC transport. */
const rpcNumber: Record<ErrorCode, number> = {
  PARSE_ERROR: -32700,
  BAD_REQUEST: -32600,
  INTERNAL_SERVER_ERROR: -32603,
  UNAUTHORIZED: -32001,
  FORBIDDEN: -32003,
  NOT_FOUND: -32004,
  CONFLICT: -32009,
  PAYLOAD_TOO_LARGE: -32013,
  UNSUPPORTED_MEDIA_TYPE: -32015,
  TOO_MANY_REQUESTS: -32029,
};

const fastifyStatusCode: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

/** Maps anything thrown while serving a request to an error the client can act on. */
export function toBerthError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return new BerthError('CONFLICT', 'A record with the same unique value already exists');
  if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
    return new BerthError('CONFLICT', 'The change refers to a record that does not exist, or removes one still in use');
  const code = e.statusCode ? fastifyStatusCode[e.statusCode] : undefined;
  if (code) return new BerthError(code, e.message || code);
  return new BerthError('INTERNAL_SERVER_ERROR', 'Internal server error');
}

/** Body of an error on the REST transport: Berth's form and the Dokploy-client form in one. */
export function restErrorBody(err: BerthError, path: string) {
  const issues = err.issues ? { issues: err.issues } : {};
  return {
    message: err.message,
    code: err.code,
    ...issues,
    error: { message: err.message, code: err.code, ...issues },
    data: { code: err.code, httpStatus: err.status, path, zodError: err.issues ? { issues: err.issues } : null },
  };
}

/** Body of an error on the tRPC transport (tRPC's envelope, superjson-shaped). */
export function trpcErrorBody(err: BerthError, path: string) {
  return {
    error: {
      json: {
        message: err.message,
        code: rpcNumber[err.code],
        data: { code: err.code, httpStatus: err.status, path, ...(err.issues ? { zodError: { issues: err.issues } } : {}) },
      },
    },
  };
}
