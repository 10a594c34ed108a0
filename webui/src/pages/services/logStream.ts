// The live log of a service: an EventSource on
// /api/services/{name}/logs/stream (cookie auth; GET, so no CSRF). picd
// sends the last N lines on every (re)connect, then each new line; after a
// reconnect the replayed lines that are already shown are skipped.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { LogLine } from '../../api';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export type LogBuffer = {
  lines: LogLine[];
  /** After a reconnect: the index in `lines` the next replayed line should equal, or -1 (find it). */
  resync: number | null;
  /** Lines dropped from the top to stay under the cap. */
  dropped: number;
};

export type LogAction = { type: 'line'; line: LogLine } | { type: 'reconnected' } | { type: 'clear' };

export const emptyBuffer: LogBuffer = { lines: [], resync: null, dropped: 0 };

function same(a: LogLine, b: LogLine): boolean {
  return a.time === b.time && a.stream === b.stream && a.text === b.text;
}

export function logReducer(max: number) {
  return (buf: LogBuffer, action: LogAction): LogBuffer => {
    switch (action.type) {
      case 'clear':
        return emptyBuffer;
      case 'reconnected':
        return { ...buf, resync: buf.lines.length ? -1 : null };
      case 'line': {
        const line = action.line;
        if (buf.resync !== null) {
          if (buf.resync === -1) {
            // The first replayed line: find it among the last lines shown.
            for (let i = buf.lines.length - 1; i >= 0; i--) {
              if (same(buf.lines[i]!, line)) return { ...buf, resync: i + 1 };
            }
          } else if (buf.resync < buf.lines.length && same(buf.lines[buf.resync]!, line)) {
            return { ...buf, resync: buf.resync + 1 };
          }
        }
        const lines = [...buf.lines, line];
        const over = Math.max(0, lines.length - max);
        return { lines: over ? lines.slice(over) : lines, resync: null, dropped: buf.dropped + over };
      }
    }
  };
}

function parseLine(data: string): LogLine | null {
  try {
    const v = JSON.parse(data) as Partial<LogLine>;
    if (typeof v.text === 'string' && typeof v.time === 'string' && typeof v.stream === 'string') return v as LogLine;
  } catch {
    /* a malformed event is skipped */
  }
  return null;
}

const RETRY_MS = 2000;
const MAX_RETRIES = 15;

/** Follows the stream at `url` (null: none). */
export function useLogStream(url: string | null, max = 1000) {
  const [buf, dispatch] = useReducer(logReducer(max), emptyBuffer);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [generation, setGeneration] = useState(0);
  const retries = useRef(0);

  useEffect(() => {
    dispatch({ type: 'clear' });
    retries.current = 0;
  }, [url]);

  useEffect(() => {
    if (!url) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let opened = false;
    const es = new EventSource(url);
    setStatus(generation === 0 ? 'connecting' : 'reconnecting');
    es.onopen = () => {
      if (opened || generation > 0) dispatch({ type: 'reconnected' });
      opened = true;
      retries.current = 0;
      setStatus('live');
    };
    es.addEventListener('line', (ev) => {
      const line = parseLine((ev as MessageEvent<string>).data);
      if (line) dispatch({ type: 'line', line });
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        // An HTTP error (e.g. the proxy restarting): the browser gives up, we do not, for a while.
        if (retries.current < MAX_RETRIES) {
          retries.current += 1;
          setStatus('reconnecting');
          timer = setTimeout(() => setGeneration((g) => g + 1), RETRY_MS);
        } else {
          setStatus('closed');
        }
      } else {
        setStatus('reconnecting');
      }
    };
    return () => {
      if (timer) clearTimeout(timer);
      es.close();
    };
  }, [url, generation]);

  const reconnect = useCallback(() => {
    retries.current = 0;
    setGeneration((g) => g + 1);
  }, []);
  const clear = useCallback(() => dispatch({ type: 'clear' }), []);

  return { lines: buf.lines, dropped: buf.dropped, status, reconnect, clear };
}
