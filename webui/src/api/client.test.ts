import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../test/helpers';
import { ApiError, Client, csrf, errorFromResponse, fillPath, queryString } from './client';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('errorFromResponse', () => {
  it('parses the API error body with its field and request id', async () => {
    const e = await errorFromResponse(apiError(400, 'invalid_argument', 'bad domain', 'domain'));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid_argument');
    expect(e.message).toBe('bad domain');
    expect(e.field).toBe('domain');
    expect(e.requestId).toBe('req-1');
  });

  it('reads Retry-After on 429', async () => {
    const res = json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '42' });
    const e = await errorFromResponse(res);
    expect(e.code).toBe('rate_limited');
    expect(e.retryAfter).toBe(42);
  });

  it('copes with a body that is not the API error (a proxy page)', async () => {
    const e = await errorFromResponse(new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(e.status).toBe(502);
    expect(e.code).toBe('http');
    expect(e.message).toBe('HTTP 502 Bad Gateway');
    expect(e.field).toBeUndefined();
  });

  it('does not invent a field from an empty one', async () => {
    const e = await errorFromResponse(json(409, { error: { code: 'conflict', message: 'exists', field: '' } }));
    expect(e.field).toBeUndefined();
    expect(e.code).toBe('conflict');
  });
});

describe('Client.request', () => {
  it('sends the CSRF token on POST, PUT and DELETE but not on GET, with same-origin cookies', async () => {
    csrf.set('tok-123');
    const { calls } = mockFetch({
      'GET /api/config': () => json(200, { revision: 1 }),
      'POST /api/config/confirm': () => json(200, { revision: 2 }),
      'PUT /api/config': () => json(200, {}),
      'DELETE /api/config/pending': () => new Response(null, { status: 204 }),
    });
    const c = new Client();
    await c.request('get', '/api/config');
    await c.request('post', '/api/config/confirm');
    await c.request('put', '/api/config', { body: { domain: 'x' } });
    const r = await c.request('delete', '/api/config/pending');
    expect(r).toBeUndefined();
    expect(calls.map((x) => [x.method, x.headers['X-CSRF-Token']])).toEqual([
      ['GET', undefined],
      ['POST', 'tok-123'],
      ['PUT', 'tok-123'],
      ['DELETE', 'tok-123'],
    ]);
    expect(calls.every((x) => x.credentials === 'same-origin')).toBe(true);
    // A body only where there is one, always as JSON.
    expect(calls[1]!.headers['Content-Type']).toBeUndefined();
    expect(calls[2]!.headers['Content-Type']).toBe('application/json');
    expect(calls[2]!.body).toEqual({ domain: 'x' });
  });

  it('throws a typed ApiError with the field the API named', async () => {
    mockFetch({ 'PUT /api/config': () => apiError(400, 'invalid_argument', 'not a port', 'ports.dns') });
    const err = await new Client().request('put', '/api/config', { body: { ports: { dns: 0 } } }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.field).toBe('ports.dns');
    expect(err.message).toBe('not a port');
  });

  it('on 401 clears the CSRF token and tells the listeners the session is gone', async () => {
    csrf.set('tok');
    mockFetch({ 'GET /api/config': () => apiError(401, 'unauthenticated', 'no session') });
    const c = new Client();
    const lost = vi.fn();
    c.onUnauthenticated(lost);
    await expect(c.request('get', '/api/config')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(lost).toHaveBeenCalledTimes(1);
    expect(csrf.get()).toBeNull();
  });

  it('a 401 from the login form is an answer, not a lost session', async () => {
    mockFetch({ 'POST /api/auth/login': () => apiError(401, 'unauthenticated', 'bad credentials') });
    const c = new Client();
    const lost = vi.fn();
    c.onUnauthenticated(lost);
    await expect(
      c.request('post', '/api/auth/login', { body: { username: 'a', password: 'b' }, expectUnauthenticated: true }),
    ).rejects.toMatchObject({ status: 401 });
    expect(lost).not.toHaveBeenCalled();
  });

  it('turns a failed fetch into a network ApiError', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }));
    await expect(new Client().request('get', '/health')).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('fills and encodes path parameters and the query', async () => {
    const { calls } = mockFetch({
      'DELETE /api/users/a%2Fb': () => new Response(null, { status: 204 }),
      'GET /api/revisions': () => json(200, { revisions: [] }),
    });
    const c = new Client();
    await c.request('delete', '/api/users/{username}', { path: { username: 'a/b' } });
    await c.request('get', '/api/revisions', { query: { limit: 21, before: 40 } });
    expect(calls[0]!.url).toBe('/api/users/a%2Fb');
    expect(calls[1]!.url).toBe('/api/revisions?limit=21&before=40');
  });
});

describe('helpers', () => {
  it('fillPath refuses a missing parameter', () => {
    expect(() => fillPath('/api/revisions/{n}', {})).toThrow(/missing path parameter 'n'/);
    expect(fillPath('/api/revisions/{n}/rollback', { n: 7 })).toBe('/api/revisions/7/rollback');
    // A MAC keeps its colons; anything else that is not a plain character is escaped.
    expect(fillPath('/api/dhcp/reservations/{mac}', { mac: '52:54:00:ab:cd:ef' })).toBe('/api/dhcp/reservations/52:54:00:ab:cd:ef');
    expect(fillPath('/api/users/{username}', { username: 'a/b c' })).toBe('/api/users/a%2Fb%20c');
  });
  it('queryString skips undefined values', () => {
    expect(queryString({ limit: 5, before: undefined })).toBe('?limit=5');
    expect(queryString({})).toBe('');
  });
});
