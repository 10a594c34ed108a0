import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../api';
import { MockEventSource } from '../../test/eventSource';
import { LogView } from './LogView';
import { emptyBuffer, logReducer } from './logStream';

const line = (n: number, stream: LogLine['stream'] = 'stderr'): LogLine => ({
  time: `2026-11-29T06:00:${String(n).padStart(2, '0')}Z`,
  stream,
  text: `line ${n}`,
});

function items() {
  return within(screen.getByRole('log', { name: 'Log of caddy' }))
    .getAllByRole('listitem')
    .map((li) => li.textContent);
}

describe('LogView', () => {
  beforeEach(() => MockEventSource.install());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('opens the stream of the service and shows lines as they arrive', () => {
    render(<LogView service="caddy" lines={50} />);
    const es = MockEventSource.last();
    expect(es.url).toBe('/api/services/caddy/logs/stream?lines=50');
    expect(screen.getByTestId('log-status')).toHaveTextContent('Connecting…');
    act(() => es.open());
    expect(screen.getByTestId('log-status')).toHaveTextContent('Live');
    expect(items()).toEqual(['No log lines yet.']);

    act(() => {
      es.emit('line', line(1, 'stdout'));
      es.emit('line', line(2, 'picd'));
    });
    expect(items()).toEqual(['06:00:01 [stdout] line 1', '06:00:02 [picd] line 2']);
    expect(screen.getByTestId('log-count')).toHaveTextContent('2');

    act(() => es.emit('line', line(3)));
    expect(items()).toHaveLength(3);
    expect(items()[2]).toContain('line 3');
  });

  it('skips a malformed event', () => {
    render(<LogView service="caddy" />);
    const es = MockEventSource.last();
    act(() => {
      es.open();
      es.emit('line', 'not json');
      es.emit('line', { text: 'no time' });
      es.emit('line', line(4));
    });
    expect(items()).toEqual(['06:00:04 [stderr] line 4']);
  });

  it('after the browser reconnects, the replayed lines are not shown twice', () => {
    render(<LogView service="caddy" />);
    const es = MockEventSource.last();
    act(() => {
      es.open();
      [1, 2, 3].forEach((n) => es.emit('line', line(n)));
    });
    act(() => es.fail(false));
    expect(screen.getByTestId('log-status')).toHaveTextContent('Reconnecting…');
    act(() => {
      es.open();
      // picd replays its last lines, then a new one.
      [2, 3, 4].forEach((n) => es.emit('line', line(n)));
    });
    expect(screen.getByTestId('log-status')).toHaveTextContent('Live');
    expect(items().map((t) => t!.slice(-6))).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
  });

  it('when the stream is closed by an HTTP error it opens a new one after a pause', () => {
    vi.useFakeTimers();
    render(<LogView service="caddy" />);
    const first = MockEventSource.last();
    act(() => {
      first.open();
      first.emit('line', line(1));
      first.fail(true);
    });
    expect(screen.getByTestId('log-status')).toHaveTextContent('Reconnecting…');
    expect(MockEventSource.instances).toHaveLength(1);
    act(() => {
      vi.advanceTimersByTime(2100);
    });
    expect(MockEventSource.instances).toHaveLength(2);
    expect(first.closed).toBe(true);
    const second = MockEventSource.last();
    act(() => {
      second.open();
      second.emit('line', line(1));
      second.emit('line', line(5));
    });
    expect(items().map((t) => t!.slice(-6))).toEqual(['line 1', 'line 5']);
  });

  it('closes the stream when unmounted, and Clear empties the view', async () => {
    const user = userEvent.setup({ delay: null });
    const { unmount } = render(<LogView service="caddy" />);
    const es = MockEventSource.last();
    act(() => {
      es.open();
      es.emit('line', line(1));
    });
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(items()).toEqual(['No log lines yet.']);
    unmount();
    expect(es.closed).toBe(true);
  });
});

describe('logReducer', () => {
  it('keeps at most `max` lines and counts the dropped ones', () => {
    const r = logReducer(3);
    let b = emptyBuffer;
    for (let i = 1; i <= 5; i++) b = r(b, { type: 'line', line: line(i) });
    expect(b.lines.map((l) => l.text)).toEqual(['line 3', 'line 4', 'line 5']);
    expect(b.dropped).toBe(2);
  });

  it('after a reconnect with nothing in common, appends everything', () => {
    const r = logReducer(100);
    let b = r(emptyBuffer, { type: 'line', line: line(1) });
    b = r(b, { type: 'reconnected' });
    b = r(b, { type: 'line', line: line(7) });
    b = r(b, { type: 'line', line: line(8) });
    expect(b.lines.map((l) => l.text)).toEqual(['line 1', 'line 7', 'line 8']);
  });
});
