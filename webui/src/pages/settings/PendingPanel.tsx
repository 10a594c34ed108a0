// Staged changes (from -> to), Apply with a confirm window, Discard, and
// while a window is open: the countdown and Confirm.
import { useState } from 'react';
import type { Pending } from '../../api';
import { ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { ConfirmAction } from '../../components/ConfirmAction';
import { TextField } from '../../components/Field';
import { formatValue } from '../../lib/format';
import { checkIntRange } from '../../lib/validate';
import { ConfirmCountdown } from './ConfirmCountdown';

export const DEFAULT_CONFIRM_S = 60;

export function PendingPanel({
  pending,
  receivedAt,
  onApply,
  onDiscard,
  onConfirm,
  onExpire,
  applying = false,
  discarding = false,
  confirming = false,
  error,
  windowTotal,
}: {
  pending: Pending;
  receivedAt: number;
  onApply: (timeoutS: number) => void;
  onDiscard: () => void;
  onConfirm: () => void;
  onExpire?: () => void;
  applying?: boolean;
  discarding?: boolean;
  confirming?: boolean;
  error?: unknown;
  windowTotal?: number;
}) {
  const [timeout, setTimeoutText] = useState(String(DEFAULT_CONFIRM_S));
  const timeoutError = checkIntRange(timeout, 5, 3600);
  const changes = Object.entries(pending.changes);
  const confirm = pending.confirm;

  return (
    <div className="space-y-4">
      {error ? <ErrorAlert error={error} /> : null}
      {confirm ? (
        <div className="rounded-md border border-amber-300 bg-amber-50 p-3">
          <p className="mb-2 text-sm font-medium text-amber-900">
            Revision #{confirm.revision} is applied and waits for your confirmation.
          </p>
          <ConfirmCountdown
            secondsLeft={confirm.seconds_left}
            receivedAt={receivedAt}
            total={windowTotal}
            onExpire={onExpire}
          />
          <div className="mt-3 flex gap-2">
            <Button variant="primary" onClick={onConfirm} disabled={confirming}>
              {confirming ? 'Confirming…' : 'Confirm changes'}
            </Button>
            <span className="self-center text-xs text-amber-900">
              Without confirmation the cell returns to revision #{confirm.previous_revision}.
            </span>
          </div>
        </div>
      ) : null}

      {changes.length === 0 ? (
        confirm ? null : <p className="text-sm text-slate-600">No pending changes.</p>
      ) : (
        <>
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Pending changes">
            <thead>
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pr-4">Setting</th>
                <th scope="col" className="py-2 pr-4">Now</th>
                <th scope="col" className="py-2">After apply</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {changes.map(([field, c]) => (
                <tr key={field} data-field={field}>
                  <th scope="row" className="py-2 pr-4 text-left font-mono font-medium">{field}</th>
                  <td className="py-2 pr-4 font-mono text-slate-600" data-testid="from">{formatValue(c.from)}</td>
                  <td className="py-2 font-mono font-semibold text-slate-900" data-testid="to">{formatValue(c.to)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {confirm ? (
            <p className="text-sm text-slate-600">Confirm or wait for the open window before applying more.</p>
          ) : (
            <form
              className="flex flex-wrap items-end gap-3"
              onSubmit={(e) => {
                e.preventDefault();
                if (!timeoutError) onApply(Number(timeout));
              }}
              noValidate
            >
              <TextField
                label="Confirm window (seconds)"
                inputMode="numeric"
                value={timeout}
                onChange={(e) => setTimeoutText(e.target.value)}
                error={timeoutError}
                className="w-48"
              />
              <Button type="submit" variant="primary" disabled={applying || !!timeoutError}>
                {applying ? 'Applying…' : 'Apply changes'}
              </Button>
              <ConfirmAction
                label="Discard"
                question="Drop the staged changes?"
                confirmLabel="Discard changes"
                onConfirm={onDiscard}
                busy={discarding}
              />
            </form>
          )}
        </>
      )}
    </div>
  );
}
