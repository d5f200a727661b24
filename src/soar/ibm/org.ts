import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { Dto, HandleNames } from './mapping.ts';
import { IbmProps } from './mapping.ts';

export interface IbmOrg {
  id: number;
  name: string;
}

/**
 * Picks the configured org from the session's org list: cloud_account, then uuid, then exact name (the order
 * IBM's own client uses). A disabled org (IP restriction, wrong auth provider) is an error, not a fallback.
 */
export function resolveOrg(orgs: unknown[], wanted: string): IbmOrg {
  const list = orgs.filter((o): o is Dto => typeof o === 'object' && o !== null);
  if (list.length === 0) {
    throw new AppError(ErrorCodes.SOAR_ORG_NOT_FOUND, 'SOAR: the credentials are not a member of any orgs');
  }
  const hit =
    list.find((o) => o.cloud_account != null && o.cloud_account === wanted) ??
    list.find((o) => o.uuid === wanted) ??
    list.find((o) => o.name === wanted);
  if (!hit || typeof hit.id !== 'number') {
    const names = list.map((o) => String(o.name)).join(', ');
    throw new AppError(ErrorCodes.SOAR_ORG_NOT_FOUND, `SOAR: org "${wanted}" not found (member of: ${names})`);
  }
  if (hit.enabled === false) {
    throw new AppError(
      ErrorCodes.SOAR_ORG_NOT_FOUND,
      `SOAR: org "${wanted}" is disabled for these credentials (IP restriction or auth provider)`,
      { details: { reason: 'disabled' } },
    );
  }
  return { id: hit.id, name: String(hit.name) };
}

const FIELD_HINT =
  'create them in the org: the dedup field as text, sepm_occurrences as number, sepm_last_seen as number ' +
  '(epoch ms), sepm_message_ids as text area';

/** Fields we send on create; any other field the org requires "always" would make every create fail. */
const SENT_FIELDS = new Set([
  'name',
  'discovered_date',
  'description',
  'plan_status',
  'severity_code',
  'incident_type_ids',
]);

function valueMap(field: Dto | undefined): Map<number, string> {
  const values = Array.isArray(field?.values) ? (field.values as Dto[]) : [];
  return new Map(values.filter((v) => typeof v.value === 'number').map((v) => [v.value as number, String(v.label)]));
}

/**
 * Checks GET /types/incident/fields at startup: our custom fields must exist and no unknown field may be
 * required on create. Returns the id → name maps of the handle fields.
 */
export function checkIncidentFields(fields: unknown, dedupField: string): HandleNames {
  const list: Dto[] = Array.isArray(fields)
    ? (fields as Dto[])
    : typeof fields === 'object' && fields !== null
      ? (Object.values(fields) as Dto[])
      : [];
  const byName = new Map(list.map((f) => [String(f.name), f]));
  const ours = [dedupField, ...Object.values(IbmProps)];
  const missing = ours.filter((n) => !byName.has(n));
  if (missing.length > 0) {
    throw new AppError(
      ErrorCodes.SOAR_UNKNOWN_TYPE,
      `SOAR: incident custom field(s) missing in the org: ${missing.join(', ')} (${FIELD_HINT})`,
    );
  }
  const required = list
    .filter((f) => f.required === 'always' && !SENT_FIELDS.has(String(f.name)) && !ours.includes(String(f.name)))
    .map((f) => String(f.name));
  if (required.length > 0) {
    throw new AppError(
      ErrorCodes.SOAR_BAD_REQUEST,
      `SOAR: the org requires incident field(s) on create that sepm-intake does not set: ${required.join(', ')}`,
    );
  }
  return {
    severity_code: valueMap(byName.get('severity_code')),
    incident_type_ids: valueMap(byName.get('incident_type_ids')),
    resolution_id: valueMap(byName.get('resolution_id')),
  };
}
