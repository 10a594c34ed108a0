// The one HTTP client of the UI. Every call to picd goes through request():
// same-origin cookies, X-CSRF-Token on state-changing methods, and errors
// parsed from {"error":{code,message,field}} into an ApiError. Types come from
// schema.d.ts, generated from api/openapi.yaml (npm run gen:api).
import type { paths } from './schema';

export type Method = 'get' | 'post' | 'put' | 'delete';
export type ApiPath = keyof paths;

/** The methods a path defines (a `never` method is not one). */
export type MethodOf<P extends ApiPath> = {
  [M in Method]: paths[P] extends { [K in M]: object } ? M : never;
}[Method];

type Op<P extends ApiPath, M extends Method> = paths[P] extends { [K in M]: infer O } ? O : never;
type Responses<O> = O extends { responses: infer R } ? R : never;
type JsonOf<X> = X extends { content: { 'application/json': infer T } } ? T : undefined;
type SuccessStatus = 200 | 201 | 204;

/** The JSON body of the success response of `M P` (undefined for 204). */
export type Ok<P extends ApiPath, M extends MethodOf<P>> = JsonOf<
  Responses<Op<P, M>>[SuccessStatus & keyof Responses<Op<P, M>>]
>;

type BodyOf<O> = O extends { requestBody?: never }
  ? undefined
  : O extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : undefined;
type PathParamsOf<O> = O extends { parameters: { path: infer PP } } ? PP : undefined;
type QueryOf<O> = O extends { parameters: { query?: never } }
  ? undefined
  : O extends { parameters: { query?: infer Q } }
    ? Q
    : undefined;

export type RequestOptions<P extends ApiPath, M extends MethodOf<P>> = {
  body?: BodyOf<Op<P, M>>;
  path?: PathParamsOf<Op<P, M>>;
  query?: QueryOf<Op<P, M>>;
  signal?: AbortSignal;
  /** A 401 here is an answer, not a lost session (the login form). */
  expectUnauthenticated?: boolean;
};

export type ErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  /** fetch itself failed: picd or the proxy is unreachable. */
  | 'network'
  /** a non-2xx answer without a PIC error body (e.g. a proxy's 502). */
  | 'http';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  /** Seconds, from Retry-After on 429. */
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    opts: { field?: string; requestId?: string; retryAfter?: number } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = opts.field;
    this.requestId = opts.requestId;
    this.retryAfter = opts.retryAfter;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

const KNOWN_CODES = new Set<string>([
  'invalid_argument',
  'unauthenticated',
  'permission_denied',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
]);

/** Builds the ApiError for a non-2xx response. Never throws. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('X-Request-Id') ?? undefined;
  const ra = res.headers.get('Retry-After');
  const retryAfter = ra !== null && /^[0-9]+$/.test(ra) ? Number(ra) : undefined;
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* the body is lost; the status still says something */
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'error' in parsed) {
      const e = (parsed as { error: unknown }).error;
      if (e && typeof e === 'object') {
        const { code, message, field } = e as Record<string, unknown>;
        if (typeof code === 'string' && typeof message === 'string') {
          return new ApiError(res.status, KNOWN_CODES.has(code) ? (code as ErrorCode) : 'http', message, {
            field: typeof field === 'string' && field !== '' ? field : undefined,
            requestId,
            retryAfter,
          });
        }
      }
    }
  } catch {
    /* not JSON: fall through */
  }
  const reason = res.statusText ? ` ${res.statusText}` : '';
  return new ApiError(res.status, res.status === 401 ? 'unauthenticated' : 'http', `HTTP ${res.status}${reason}`, {
    requestId,
    retryAfter,
  });
}

// ---- the CSRF token: returned by login, kept per tab so a reload keeps working

const CSRF_KEY = 'pic.csrf';

export const csrf = {
  get(): string | null {
    try {
      return sessionStorage.getItem(CSRF_KEY);
    } catch {
      return null;
    }
  },
  set(token: string): void {
    sessionStorage.setItem(CSRF_KEY, token);
  },
  clear(): void {
    try {
      sessionStorage.removeItem(CSRF_KEY);
    } catch {
      /* storage unavailable */
    }
  },
};

// ---- the client

export type ClientOptions = {
  /** Origin-relative by default; tests may pass a base URL. */
  baseUrl?: string;
  /** Looked up at call time by default, so tests can stub globalThis.fetch. */
  fetch?: typeof fetch;
};

/** Fills `{name}` segments of a path template; every value is URI-encoded,
 * except ':', which a path segment may hold as it is (a MAC address). */
export function fillPath(template: string, params: Record<string, string | number> | undefined): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined) throw new Error(`missing path parameter '${name}' for ${template}`);
    return encodeURIComponent(String(v)).replace(/%3A/gi, ':');
  });
}

export function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    sp.append(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export class Client {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly unauthListeners = new Set<() => void>();

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = opts.baseUrl ?? '';
    this.fetchImpl = opts.fetch;
  }

  /** Called when an authenticated request gets 401: the session is gone. */
  onUnauthenticated(fn: () => void): () => void {
    this.unauthListeners.add(fn);
    return () => this.unauthListeners.delete(fn);
  }

  url<P extends ApiPath>(path: P, params?: Record<string, string | number>, query?: Record<string, unknown>): string {
    return this.baseUrl + fillPath(path, params) + queryString(query);
  }

  /** Sends the request; returns the 2xx response or throws its ApiError. */
  private async send<P extends ApiPath, M extends MethodOf<P>>(
    method: M,
    path: P,
    opts: RequestOptions<P, M>,
    accept: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    if (method !== 'get') {
      const token = csrf.get();
      if (token) headers['X-CSRF-Token'] = token;
    }
    const url = this.url(
      path,
      opts.path as Record<string, string | number> | undefined,
      opts.query as Record<string, unknown> | undefined,
    );
    const f = this.fetchImpl ?? globalThis.fetch;
    let res: Response;
    try {
      res = await f(url, {
        method: method.toUpperCase(),
        headers,
        body,
        credentials: 'same-origin',
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', 'Cannot reach the cell. Check the connection and try again.');
    }
    if (!res.ok) {
      const err = await errorFromResponse(res);
      if (res.status === 401 && !opts.expectUnauthenticated) {
        csrf.clear();
        for (const fn of [...this.unauthListeners]) fn();
      }
      throw err;
    }
    return res;
  }

  async request<P extends ApiPath, M extends MethodOf<P>>(
    method: M,
    path: P,
    opts: RequestOptions<P, M> = {},
  ): Promise<Ok<P, M>> {
    const res = await this.send(method, path, opts, 'application/json');
    if (res.status === 204) return undefined as Ok<P, M>;
    const text = await res.text();
    if (text === '') return undefined as Ok<P, M>;
    try {
      return JSON.parse(text) as Ok<P, M>;
    } catch {
      throw new ApiError(res.status, 'http', `The cell sent a response that is not JSON (HTTP ${res.status}).`);
    }
  }

  /** A response that is a file (a download): its bytes, and the name the
   * server gave it in Content-Disposition (null without one). Errors are
   * the JSON ones of request(). */
  async requestFile<P extends ApiPath, M extends MethodOf<P>>(
    method: M,
    path: P,
    opts: RequestOptions<P, M> = {},
  ): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.send(method, path, opts, '*/*');
    return { blob: await res.blob(), filename: filenameOf(res.headers.get('Content-Disposition')) };
  }
}

/** The file name of `attachment; filename="x.conf"` (the quoted or the bare
 * form); null when there is none or it could name a path. */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const m = /;\s*filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(disposition);
  const name = m ? (m[1] ?? m[2] ?? '') : '';
  if (name === '' || /[/\\]/.test(name) || name.startsWith('.')) return null;
  return name;
}

export const client = new Client();
