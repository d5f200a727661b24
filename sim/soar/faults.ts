/** Fault injection for the SOAR simulator: answer a route with an error status, a delay or a 409 conflict. */

export interface FaultSpec {
  /** 'METHOD /rest/orgs/:org/incidents' (":x", "{x}" and "*" match one path segment) or '*' for every call. */
  route: string;
  kind: 'status' | 'latency' | 'conflict';
  /** For kind 'status' (default 500). */
  status?: number;
  /** For kind 'latency': delay (ms) before the request is processed normally. */
  delayMs?: number;
  /** Sent with a 429/503 fault as Retry-After (s). */
  retryAfterSec?: number;
  /** How many matching requests it affects (default 1). */
  times?: number;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
  method: string | null;
  pattern: RegExp | null;
}

function compile(route: string): { method: string | null; pattern: RegExp | null } {
  if (route === '*') return { method: null, pattern: null };
  const [method, path] = route.trim().split(/\s+/, 2);
  const source = (path ?? '')
    .split('/')
    .map((seg) =>
      seg === '*' || /^:\w+$/.test(seg) || /^\{\w+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.+?^$()[\]\\|]/g, '\\$&'),
    )
    .join('/');
  return { method: (method ?? '').toUpperCase(), pattern: new RegExp(`^${source}/?$`) };
}

export class Faults {
  private list: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.list.push({ ...spec, remaining: spec.times ?? 1, ...compile(spec.route) });
  }

  clear(): void {
    this.list = [];
  }

  /** The first live fault for this request (consumes one of its `times`). */
  take(method: string, path: string): FaultSpec | undefined {
    const hit = this.list.find(
      (f) =>
        f.remaining > 0 && (f.method === null || f.method === method) && (f.pattern === null || f.pattern.test(path)),
    );
    if (!hit) return undefined;
    hit.remaining -= 1;
    return hit;
  }
}
