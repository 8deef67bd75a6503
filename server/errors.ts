/**
 * The one error type for a broken rule, thrown by services, stores and the CLI alike. It says what
 * went wrong in words the person can act on and which kind of refusal it is; it knows nothing about
 * HTTP. server/http/errors.ts turns the code into a status and the error page; the CLI prints the
 * message and exits 1.
 */
export type RuleCode = 'not-found' | 'conflict' | 'invalid' | 'forbidden' | 'gone';

export const RULE_CODES: readonly RuleCode[] = ['not-found', 'conflict', 'invalid', 'forbidden', 'gone'];

export class RuleError extends Error {
  constructor(
    readonly code: RuleCode,
    message: string,
    /** Field name → what is wrong with it, for a form the route shows again. */
    readonly problems?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

/** Throws a RuleError; typed `never` so it also ends an expression: `row ?? fail('not-found', …)`. */
export function fail(code: RuleCode, message: string, problems?: Record<string, string>): never {
  throw new RuleError(code, message, problems);
}
