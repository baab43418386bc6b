import { ResponseType, type ErrorResponseType } from '../protocol/constants.ts';

/** A validation failure: the command is answered with `code` and has no other effect. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(readonly code: ErrorResponseType, message: string) {
    super(message);
  }
}

/** Fails the current command (`if (!ok) fail(...)` builds no message closure on the hot path). */
export function fail(code: ErrorResponseType, message: string): never {
  throw new CommandError(code, message);
}

/** Fails the current command unless `condition` holds. */
export function check(condition: boolean, code: ErrorResponseType, message: string | (() => string)): asserts condition {
  if (!condition) throw new CommandError(code, typeof message === 'string' ? message : message());
}

export const { ERR_UNSPEC, ERR_OUT_OF_MEMORY, ERR_INVALID_SCANOUT_ID, ERR_INVALID_RESOURCE_ID, ERR_INVALID_CONTEXT_ID, ERR_INVALID_PARAMETER } = ResponseType;
