// The confirm window after an apply: a live countdown and a progress bar.
// The remaining time is counted from when the server's seconds_left was
// received, so a skewed browser clock does not matter.
import { useEffect, useRef } from 'react';
import { formatClock } from '../../lib/format';
import { useNow } from '../../lib/useNow';

export function secondsRemaining(secondsLeft: number, receivedAt: number, now: number): number {
  return Math.max(0, secondsLeft - Math.max(0, now - receivedAt) / 1000);
}

export function ConfirmCountdown({
  secondsLeft,
  receivedAt,
  total,
  onExpire,
}: {
  secondsLeft: number;
  /** Date.now() when secondsLeft was received. */
  receivedAt: number;
  /** The window's full length, for the bar; defaults to the largest secondsLeft seen. */
  total?: number;
  onExpire?: () => void;
}) {
  const now = useNow(250);
  const left = secondsRemaining(secondsLeft, receivedAt, now);
  const maxSeen = useRef(secondsLeft);
  maxSeen.current = Math.max(maxSeen.current, secondsLeft);
  const full = Math.max(1, total ?? maxSeen.current);
  const expired = left <= 0;
  const fired = useRef(false);

  useEffect(() => {
    if (expired && !fired.current) {
      fired.current = true;
      onExpire?.();
    }
    if (!expired) fired.current = false;
  }, [expired, onExpire]);

  const pct = Math.min(100, (left / full) * 100);
  return (
    <div data-testid="confirm-countdown">
      <p className="text-sm text-amber-900">
        {expired ? (
          <>Time is up: the cell is restoring the previous configuration.</>
        ) : (
          <>
            Confirm within{' '}
            <strong role="timer" className="font-mono text-base tabular-nums" data-testid="countdown">
              {formatClock(left)}
            </strong>{' '}
            or the previous configuration comes back by itself.
          </>
        )}
      </p>
      <div
        role="progressbar"
        aria-label="Time left to confirm"
        aria-valuemin={0}
        aria-valuemax={Math.round(full)}
        aria-valuenow={Math.ceil(left)}
        aria-valuetext={`${Math.ceil(left)} seconds left`}
        className="mt-2 h-2 w-full overflow-hidden rounded-full bg-amber-100"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-200 ${pct > 25 ? 'bg-amber-500' : 'bg-red-600'}`}
          style={{ width: `${pct}%` }}
        />
      </div>
    </div>
  );
}
