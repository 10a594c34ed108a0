// A live, following view of one service's log.
import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../../api';
import { Button } from '../../components/Button';
import { formatTime } from '../../lib/format';
import { useLogStream, type StreamStatus } from './logStream';

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

const STATUS_DOT: Record<StreamStatus, string> = {
  connecting: 'bg-sky-400',
  live: 'bg-emerald-500',
  reconnecting: 'bg-amber-400',
  closed: 'bg-red-500',
};

// picd's own notes (started, ready, restart requested...) stand out; a
// daemon's stdout and stderr read alike (many log everything to stderr).
const STREAM_STYLE: Record<string, string> = {
  stdout: 'text-slate-100',
  stderr: 'text-slate-100',
  picd: 'text-sky-300 font-semibold',
};

function clock(t: string): string {
  const m = /T(\d{2}:\d{2}:\d{2})/.exec(t);
  return m ? m[1]! : t;
}

export function LogView({ service, lines: initialLines = 100 }: { service: string; lines?: number }) {
  const { lines, dropped, status, reconnect, clear } = useLogStream(api.serviceLogStreamUrl(service, initialLines));
  const [follow, setFollow] = useState(true);
  const boxRef = useRef<HTMLOListElement>(null);
  const followId = useId();

  useEffect(() => {
    const box = boxRef.current;
    if (follow && box) box.scrollTop = box.scrollHeight;
  }, [lines, follow]);

  return (
    <div>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm">
        <p className="flex items-center gap-2" role="status" aria-live="polite">
          <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-full ${STATUS_DOT[status]}`} />
          <span data-testid="log-status">{STATUS_TEXT[status]}</span>
          <span className="text-slate-500">
            · <span data-testid="log-count">{lines.length}</span> lines{dropped ? ` (${dropped} older not shown)` : ''}
          </span>
        </p>
        <div className="flex items-center gap-3">
          <label htmlFor={followId} className="flex items-center gap-1.5 text-slate-700">
            <input
              id={followId}
              type="checkbox"
              checked={follow}
              onChange={(e) => setFollow(e.target.checked)}
              className="h-4 w-4 rounded border-slate-300 text-sky-700 focus:ring-sky-600"
            />
            Follow
          </label>
          <Button onClick={clear}>Clear</Button>
          {status === 'closed' ? (
            <Button variant="primary" onClick={reconnect}>
              Reconnect
            </Button>
          ) : null}
        </div>
      </div>
      <ol
        ref={boxRef}
        role="log"
        aria-label={`Log of ${service}`}
        tabIndex={0}
        className="h-80 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-600"
      >
        {lines.length === 0 ? <li className="text-slate-400">No log lines yet.</li> : null}
        {lines.map((l, i) => (
          <li key={i + dropped} className={`whitespace-pre-wrap break-all ${STREAM_STYLE[l.stream] ?? 'text-slate-200'}`}>
            <time dateTime={l.time} title={formatTime(l.time)} className="select-none text-slate-500">
              {clock(l.time)}{' '}
            </time>
            <span className="select-none text-slate-500">[{l.stream}] </span>
            {l.text}
          </li>
        ))}
      </ol>
    </div>
  );
}
