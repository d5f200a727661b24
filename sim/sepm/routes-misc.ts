/** Events and policy routes: critical events (own envelope), acknowledge, policy summary, exceptions and firewall policies. */
import type { SimCore } from './core.ts';
import { exceptionsPolicy, firewallPolicy, policySummary } from './events.ts';
import { boolParam, ok, page, sepmError, type RequestCtx, type Reply, type Route } from './http.ts';

const V1 = ['v1'] as const;
const POLICY_TYPES = ['hid', 'exceptions', 'mem', 'ntr', 'av', 'fw', 'ips', 'lucontent', 'lu', 'hi', 'adc', 'upgrade'];

function critical(core: SimCore, ctx: RequestCtx): Reply {
  const all = boolParam(ctx.query, 'includeAcknowledged');
  const events = core.state.events;
  return ok({
    lastUpdated: Date.now(),
    totalUnacknowledgedMessages: events.filter((e) => e.acknowledged === 0).length,
    criticalEventsInfoList: events.filter((e) => all || e.acknowledged === 0).map((e) => ({ ...e })),
  });
}

function acknowledge(core: SimCore, ctx: RequestCtx): Reply {
  const ev = core.state.events.find((e) => e.eventId === (ctx.params.eventID ?? '').toUpperCase());
  // Only Server Health Alerts can be acknowledged; SEPM reports app code 4104 for the others.
  if (!ev || ev.subject !== 'Server Health Alert') {
    return {
      status: 400,
      json: {
        errorCode: '4104',
        appErrorCode: '',
        errorMessage: 'Failed to update the event, summary:Could not find notification',
      },
    };
  }
  ev.acknowledged = 1;
  return ok({});
}

function summary(core: SimCore, ctx: RequestCtx): Reply {
  const type = ctx.params.type?.toLowerCase();
  if (type !== undefined && !POLICY_TYPES.includes(type)) {
    return sepmError(400, 'The policy type argument is invalid.');
  }
  const domainId = ctx.query.get('domainId')?.trim().toUpperCase();
  const domain = core.state.domains.find((d) => d.id === domainId) ?? core.state.domains[0];
  if (!domain || (domainId && domain.id !== domainId)) return sepmError(400);
  const items = policySummary(domain, core.state.groups, core.startedAt).filter((p) => !type || p.policytype === type);
  // The summary is not really paged: size echoes the item count and sort is null.
  return ok(page(items, 1, Math.max(1, items.length), null));
}

const POLICY_BODY = { exceptions: exceptionsPolicy, fw: firewallPolicy } as const;

/** A policy by id, only under its own type's path (a firewall id under /exceptions is unknown there). */
function policy(core: SimCore, ctx: RequestCtx, type: keyof typeof POLICY_BODY): Reply {
  const id = (ctx.params.id ?? '').toUpperCase();
  const item = core.state.domains
    .flatMap((d) => policySummary(d, core.state.groups, core.startedAt))
    .find((p) => p.id === id && p.policytype === type);
  return item ? ok(POLICY_BODY[type](item)) : sepmError(410);
}

export function miscRoutes(core: SimCore): Route[] {
  return [
    { method: 'GET', pattern: '/events/critical', versions: V1, auth: true, handler: (c) => critical(core, c) },
    {
      method: 'POST',
      pattern: '/events/acknowledge/{eventID}',
      versions: V1,
      auth: true,
      handler: (c) => acknowledge(core, c),
    },
    { method: 'GET', pattern: '/policies/summary', versions: V1, auth: true, handler: (c) => summary(core, c) },
    { method: 'GET', pattern: '/policies/summary/{type}', versions: V1, auth: true, handler: (c) => summary(core, c) },
    {
      method: 'GET',
      pattern: '/policies/exceptions/{id}',
      versions: V1,
      auth: true,
      handler: (c) => policy(core, c, 'exceptions'),
    },
    {
      method: 'GET',
      pattern: '/policies/firewall/{id}',
      versions: V1,
      auth: true,
      handler: (c) => policy(core, c, 'fw'),
    },
  ];
}
