import type { SimContext, SimRequest, SimResponse } from './http-kit.ts';
import { notFound, ok } from './http-kit.ts';
import { SepTableDefs, Stock } from './state.ts';

export function getOrg(ctx: SimContext, req: SimRequest): SimResponse {
  const org = ctx.orgs.find((o) => String(o.id) === req.params.org);
  if (!org) throw notFound(req.params.org ?? '');
  return ok({
    ...org,
    actions_framework_enabled: true,
    attachments_enabled: true,
    has_saml: false,
    require_saml: false,
    timezone: 'UTC',
  });
}

export function getConst(): SimResponse {
  return ok({
    max_attachment_mb: 25,
    max_artifact_mb: 25,
    max_artifacts: 500,
    max_page_size: 1000,
    server_version: {
      major: 51,
      minor: 0,
      build_number: 0,
      version: '51.0.0.0-sim',
    },
  });
}

const values = (list: readonly { id: number; name: string }[]) =>
  list.map((e) => ({ value: e.id, label: e.name, enabled: true, hidden: false, default: false }));

export function artifactTypeField(ctx: SimContext): SimResponse {
  return ok({ id: 1, name: 'type', text: 'Type', input_type: 'select', values: values(ctx.artifactTypes) });
}

function field(name: string, input_type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, text: name, input_type, prefix: null, required: null, read_only: false, ...extra };
}

const CUSTOM_TYPES: Record<string, string> = {
  sepm_occurrences: 'number',
  sepm_last_seen: 'number',
  sepm_message_ids: 'textarea',
};

export function incidentFields(ctx: SimContext): Record<string, unknown>[] {
  return [
    field('name', 'text', { required: 'always' }),
    field('discovered_date', 'datetimepicker', { required: 'always' }),
    field('description', 'textarea'),
    field('start_date', 'datetimepicker'),
    field('plan_status', 'select', {
      values: [
        { value: 'A', label: 'Active' },
        { value: 'C', label: 'Closed' },
      ],
    }),
    field('severity_code', 'select', { values: values(Stock.severities) }),
    field('incident_type_ids', 'multiselect', { values: values(Stock.incidentTypes) }),
    field('resolution_id', 'select', { values: values(Stock.resolutions), required: 'close' }),
    field('resolution_summary', 'textarea', { required: 'close' }),
    field('phase_id', 'select', { values: values(Stock.phases) }),
    ...ctx.customFields.map((n) => field(n, CUSTOM_TYPES[n] ?? 'text', { prefix: 'properties' })),
  ];
}

export function getIncidentFields(ctx: SimContext): SimResponse {
  return ok(incidentFields(ctx));
}

function tableType(name: string): Record<string, unknown> | undefined {
  const def = SepTableDefs[name];
  if (!def) return undefined;
  const fields = Object.fromEntries(
    Object.entries(def.columns).map(([col, kind]) => [col, { name: col, text: col, input_type: kind, required: null }]),
  );
  return { type_id: 8, type_name: name, display_name: def.display, id: def.typeId, fields };
}

export function getType(_ctx: SimContext, req: SimRequest): SimResponse {
  const t = tableType(req.params.type ?? '');
  if (!t) throw notFound(req.params.type ?? '');
  return ok(t);
}

export function getTypes(ctx: SimContext): SimResponse {
  const all: Record<string, unknown> = {
    incident: {
      type_id: 0,
      type_name: 'incident',
      fields: Object.fromEntries(incidentFields(ctx).map((f) => [f.name, f])),
    },
  };
  for (const name of Object.keys(SepTableDefs)) all[name] = tableType(name);
  return ok(all);
}
