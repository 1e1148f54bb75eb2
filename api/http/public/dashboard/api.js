// The API as the dashboard uses it: the bearer token lives in sessionStorage (this tab only)
// and goes in the Authorization header — never in a URL.

const KEY = 'govflow.token';

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

/** An API error with the server's code and its zh-CN-first message. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
  }
}

const listeners = new Set();
/** Called with the error whenever the server answers 401 (token revoked or expired). */
export function onUnauthenticated(listener) {
  listeners.add(listener);
}

/** GET (or another method with a JSON body) against the API; resolves with the parsed JSON. */
export async function api(path, { method = 'GET', json } = {}) {
  const headers = { authorization: `Bearer ${token() ?? ''}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = new ApiError(response.status, body);
    if (response.status === 401) for (const l of listeners) l(error);
    throw error;
  }
  return body;
}

/** Query string from an object, leaving out undefined values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}
