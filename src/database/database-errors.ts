/**
 * Classifies errors from the database driver. They are recognised by their fields, not by `instanceof`:
 * errors raised by Node's sockets can come from another realm (as under Jest's module sandbox).
 */
interface DriverError {
  code?: unknown;
  message?: unknown;
}

const asDriverError = (error: unknown): DriverError => (typeof error === 'object' && error !== null ? error : {});

const CONNECTION_LOST =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * True when an error means "the database cannot be reached right now" rather than "this query is wrong":
 * such requests get 503, so clients retry instead of reporting a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = asDriverError(error);
  if (typeof code === 'string') {
    // Class 08: connection exceptions; 57P01-57P03: admin/crash shutdown, cannot connect now.
    if (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  }
  return typeof message === 'string' && CONNECTION_LOST.test(message);
}

/**
 * True when PostgreSQL refused a JSON value that JavaScript accepts: a string with \u0000 (22P05), or an
 * unpaired surrogate (22P02 "invalid input syntax for type json"). Whoever sent it should hear so (400).
 */
export function isUnstorableJson(error: unknown): boolean {
  const { code, message } = asDriverError(error);
  return code === '22P05' || (code === '22P02' && typeof message === 'string' && /json/i.test(message));
}

/**
 * True when PostgreSQL refused a value itself rather than the statement or the connection: class 22 (data
 * exception: \u0000 or an unpaired surrogate in JSON, a number out of range) or class 54 (program limit
 * exceeded: a jsonb too large). Sending the same value again would fail the same way.
 */
export function isRefusedValue(error: unknown): boolean {
  const { code } = asDriverError(error);
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

/** True when a unique index refused a row (23505). TypeORM wraps the driver's error, keeping its code. */
export function isUniqueViolation(error: unknown): boolean {
  const { code } = asDriverError(error);
  return code === '23505' || asDriverError((error as { driverError?: unknown })?.driverError).code === '23505';
}
