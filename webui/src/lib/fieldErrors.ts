// Splits an API error into a message for one of a form's fields (when the
// API named a field the form shows) or a message for the whole form.
import { isApiError } from '../api';

export type FieldErrors = Record<string, string>;

export function splitApiError(err: unknown, fields: readonly string[]): { fieldErrors: FieldErrors; formError: unknown } {
  if (isApiError(err) && err.field && fields.includes(err.field)) {
    return { fieldErrors: { [err.field]: err.message }, formError: null };
  }
  return { fieldErrors: {}, formError: err ?? null };
}

/** Runs each check; returns the messages of the fields that fail. */
export function runChecks(checks: Record<string, () => string | null>): FieldErrors {
  const out: FieldErrors = {};
  for (const [field, check] of Object.entries(checks)) {
    const msg = check();
    if (msg) out[field] = msg;
  }
  return out;
}
