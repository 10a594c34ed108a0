// Test helpers: a fetch that answers from a route table and records calls,
// and a render with the app's providers.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderOptions } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Outlet, Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import type { Me } from '../api';

export type Call = { method: string; url: string; headers: Record<string, string>; body: unknown; credentials?: string };
type Handler = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1', ...headers },
  });
}

export function apiError(status: number, code: string, message: string, field?: string): Response {
  return json(status, { error: { code, message, ...(field ? { field } : {}) } });
}

/** Stubs globalThis.fetch; routes are "METHOD /path" (query ignored) -> handler. */
export function mockFetch(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(Object.entries((init.headers as Record<string, string>) ?? {}));
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const call: Call = { method, url, headers, body, credentials: init.credentials };
    calls.push(call);
    const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    const h = routes[`${method} ${path}`];
    if (!h) return apiError(404, 'not_found', `no mock for ${method} ${path}`);
    return h(call);
  });
  vi.stubGlobal('fetch', fn);
  return { calls, fn };
}

export function newQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: 0 }, mutations: { retry: false } } });
}

export const ADMIN: Me = { username: 'admin', role: 'admin', auth: 'session' };

function WithSession({ me }: { me: Me }) {
  return <Outlet context={me} />;
}

/** Renders `ui` inside a query client and a router at `path`, under a layout route giving `me` as the session. */
export function renderWithProviders(
  ui: ReactElement,
  { path = '/', me = ADMIN, qc = newQueryClient(), ...opts }: { path?: string; me?: Me; qc?: QueryClient } & RenderOptions = {},
) {
  const result = render(
    <QueryClientProvider client={qc}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route element={<WithSession me={me} />}>
            <Route path="*" element={ui} />
          </Route>
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
    opts,
  );
  return { ...result, qc };
}
