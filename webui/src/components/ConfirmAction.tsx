// A destructive action behind a second, explicit step: the first button
// shows the question and the real button; Cancel (or Escape) goes back.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Button } from './Button';

export function ConfirmAction({
  label,
  question,
  confirmLabel,
  onConfirm,
  busy = false,
  variant = 'danger',
}: {
  label: string;
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  variant?: 'danger' | 'primary';
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <Button variant="secondary" onClick={() => setAsking(true)} disabled={busy}>
        {label}
      </Button>
    );
  }
  return (
    <div
      role="group"
      aria-label={label}
      className="flex flex-wrap items-center gap-2 rounded-md bg-amber-50 px-2 py-1 ring-1 ring-amber-300"
      onKeyDown={(e) => {
        if (e.key === 'Escape') setAsking(false);
      }}
    >
      <span className="text-sm text-amber-900">{question}</span>
      <Button
        ref={confirmRef}
        variant={variant}
        disabled={busy}
        onClick={() => {
          onConfirm();
          setAsking(false);
        }}
      >
        {busy ? 'Working…' : confirmLabel}
      </Button>
      <Button onClick={() => setAsking(false)} disabled={busy}>
        Cancel
      </Button>
    </div>
  );
}
