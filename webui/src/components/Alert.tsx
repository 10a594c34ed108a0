import type { ReactNode } from 'react';
import { isApiError } from '../api';

const TONES = {
  error: 'border-red-300 bg-red-50 text-red-900',
  success: 'border-emerald-300 bg-emerald-50 text-emerald-900',
  info: 'border-sky-300 bg-sky-50 text-sky-900',
  warning: 'border-amber-300 bg-amber-50 text-amber-900',
};

export function Alert({ tone = 'info', children }: { tone?: keyof typeof TONES; children: ReactNode }) {
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} className={`rounded-md border px-3 py-2 text-sm ${TONES[tone]}`}>
      {children}
    </div>
  );
}

/** The message of an error, with the request id when the API gave one. */
export function errorText(e: unknown): string {
  if (isApiError(e)) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function ErrorAlert({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const id = isApiError(error) ? error.requestId : undefined;
  return (
    <Alert tone="error">
      {prefix ? `${prefix}: ` : ''}
      {errorText(error)}
      {id ? <span className="ml-2 text-xs text-red-700">(request {id})</span> : null}
    </Alert>
  );
}
