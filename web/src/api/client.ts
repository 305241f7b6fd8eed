// The HTTP API client (docs/api.md). The session lives in the HttpOnly
// `hotline_session` cookie that POST /api/v1/auth/login sets: same-origin
// fetches carry it, page scripts never see it. Every error answer is
// {"error": {"code", "message"}}; it becomes an ApiError.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
  /** 409 on a stale `version`: someone else changed the ticket meanwhile. */
  get isVersionConflict(): boolean {
    return this.status === 409 && /changed by someone else/.test(this.message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** Called on any 401 from a protected route (the session ended). */
let onUnauthenticated: (() => void) | null = null;
export function setUnauthenticatedHandler(fn: () => void) {
  onUnauthenticated = fn;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: string | undefined;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), { method, headers, body: payload, credentials: "same-origin" });
  } catch (e) {
    throw new ApiError(0, "network", (e as Error).message || "network error");
  }
  const text = await res.text();
  let data: unknown = null;
  if (text && (res.headers.get("Content-Type") ?? "").includes("json")) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    const e = new ApiError(res.status, err?.code ?? "http_" + res.status, err?.message ?? res.statusText);
    // The login itself and the session probe at start-up handle their 401 themselves.
    if (res.status === 401 && !/\/auth\/(login|me)$/.test(path) && onUnauthenticated) onUnauthenticated();
    throw e;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  del: <T>(path: string) => request<T>("DELETE", path),
};
