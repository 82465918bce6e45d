// Errors a caller can tell apart by `code`, as Node's own errors are:
// execve's errno names for a program Linux would refuse (ENOEXEC, E2BIG,
// EINVAL, or the kernel's answer such as ENOMEM), Node's names for a bad argument to the API
// (ERR_INVALID_ARG_TYPE or ERR_INVALID_ARG_VALUE with a TypeError,
// ERR_OUT_OF_RANGE with a RangeError), and ERR_NO_PROCESS for a call that needs a running program.

/** An errno name (`E…`) or one of Node's argument codes, or ERR_NO_PROCESS. */
import { ERRNO } from "./syscalls/errno.js";

export type FaultlineErrorCode =
  | `E${Uppercase<string>}` | "ERR_INVALID_ARG_TYPE" | "ERR_INVALID_ARG_VALUE" | "ERR_OUT_OF_RANGE" | "ERR_NO_PROCESS";

export type CodedError<E extends Error = Error> = E & { code: FaultlineErrorCode };

/** An errno's name (12: ENOMEM), as strerror's table has it. */
export function errnoName(errno: number): `E${Uppercase<string>}` {
  return (ERRNO[errno]?.[0] ?? `E${errno}`) as `E${Uppercase<string>}`;
}

/** `error` with its code attached. */
export function withCode<E extends Error>(error: E, code: FaultlineErrorCode): CodedError<E> {
  return Object.assign(error, { code });
}

/** A TypeError for an argument of the wrong type. */
export function argTypeError(name: string, expected: string, value: unknown): CodedError<TypeError> {
  return withCode(new TypeError(`${name} must be ${expected}; got ${describe(value)}`), "ERR_INVALID_ARG_TYPE");
}

/** A RangeError for a number outside what the argument allows. */
export function argRangeError(name: string, expected: string, value: unknown): CodedError<RangeError> {
  return withCode(new RangeError(`${name} must be ${expected}; got ${describe(value)}`), "ERR_OUT_OF_RANGE");
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? `an instance of ${value.constructor?.name ?? "Object"}` : typeof value;
}
