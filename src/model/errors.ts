/** Error codes of the API (tRPC code names) and the HTTP status each maps to. */
export const errorStatus = {
  BAD_REQUEST: 400,
  PARSE_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

/** An error a user can act on: a code, a message, and for validation the bad fields. */
export class BerthError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string, id: string) => new BerthError('NOT_FOUND', `${what} "${id}" was not found`);
export const conflict = (message: string) => new BerthError('CONFLICT', message);
export const badRequest = (message: string) => new BerthError('BAD_REQUEST', message);
