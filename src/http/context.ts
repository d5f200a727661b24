import type { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../shared/logger.ts';
import type { QueueName } from '../jobs/queues.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import type { ReviewStore, SoarClient } from '../soar/port.ts';
import type { Credentials, Principal, Role, Session } from './auth/auth.ts';
import type { RedisLoginLimiter, RedisSessionStore } from './auth/shared-state.ts';

export type ReadinessCheck = () => Promise<Record<string, { ok: boolean; detail?: string }>>;

/** Structural copy of main.ts SourceStatus (http does not import the composition root). */
export interface MailSourceStatus {
  name: string;
  kind: string;
  /** imap: new | standby | connecting | active | stopped. */
  state: string;
  lastMailAt?: number | undefined;
}

export interface HttpContext {
  config: Config;
  /** Connections and queues for the dashboard, the API and the intake metrics (built by main.ts). */
  runtime: JobRuntime;
  soar: SoarClient;
  /** The review side of the incident store when it is ours (soar.kind embedded or postgres): enables the review UI. */
  store?: ReviewStore;
  logger: Logger;
  /** Mail watchers, SEPM and whatever else the composition root knows about; Redis and SOAR are checked here. */
  readiness: ReadinessCheck;
  /** Mail sources of this process (role all): one /readyz entry each and the last-mail age in /metrics. */
  mailSources?: () => MailSourceStatus[];
}

/** What the route modules share once the server is built. */
export interface HttpDeps extends HttpContext {
  redis: Redis;
  queues: Record<QueueName, Queue>;
  credentials: Credentials;
  /** Browser sessions, shared by every web replica (Redis). */
  sessions: RedisSessionStore;
  /** Failed logins per client + user, counted across every web replica (Redis). */
  limiter: RedisLoginLimiter;
  /** This deployment's directories, cut from read-only views of job data (see redact.ts). */
  serverRoots: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    session?: Session;
  }
  /** Per-route authorization, read from the route the router matched (never from the raw URL). */
  interface FastifyContextConfig {
    /** Reachable without a principal (health, the login page and its stylesheet). */
    public?: boolean;
    /** Least role the route needs; unset: readonly for GET/HEAD, operator for every other method. */
    role?: Role;
  }
}

export const SESSION_COOKIE = 'sepm_session';

/** 403 unless the caller is an operator; returns true when the handler may go on. */
export function requireOperator(req: FastifyRequest, reply: FastifyReply): boolean {
  if (req.principal?.role === 'operator') return true;
  void reply.code(403).send({ error: 'HTTP_FORBIDDEN', message: 'operator role required' });
  return false;
}
