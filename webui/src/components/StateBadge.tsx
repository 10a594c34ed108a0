import type { ServiceState } from '../api';

const STYLE: Record<ServiceState, string> = {
  // Turned off in the config: not a fault (GET /health counts it as fine).
  disabled: 'bg-white text-slate-500 ring-slate-200',
  ready: 'bg-emerald-100 text-emerald-900 ring-emerald-300',
  starting: 'bg-sky-100 text-sky-900 ring-sky-300',
  stopping: 'bg-slate-100 text-slate-800 ring-slate-300',
  down: 'bg-slate-100 text-slate-800 ring-slate-300',
  backoff: 'bg-amber-100 text-amber-900 ring-amber-300',
  failed: 'bg-red-100 text-red-900 ring-red-300',
};

export function StateBadge({ state }: { state: ServiceState }) {
  return (
    <span
      data-state={state}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${STYLE[state] ?? STYLE.down}`}
    >
      {state}
    </span>
  );
}
