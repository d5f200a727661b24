import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { SepmClient, SepmRequestOptions } from '../client/client.ts';
import { isV2FallbackError, sepmErrorOf } from '../client/http-errors.ts';
import {
  hashTypeOf,
  type AddFingerprintListInput,
  type AssignFingerprintListToGroupInput,
  type DeleteFingerprintListInput,
  type GetFingerprintListInput,
  type UpdateFingerprintListInput,
} from './schemas.ts';
import type {
  AddFingerprintListOutput,
  AssignFingerprintListOutput,
  DeleteFingerprintListOutput,
  FingerprintApiVersion,
  FingerprintList,
  GetFingerprintListOutput,
  SepmGroup,
  SepResult,
  UpdateFingerprintListOutput,
} from './types.ts';
import { nextFingerprintData } from '../results/fingerprint-data.ts';

/**
 * Fingerprint (hash blacklist) lists and lock-down assignment (docs/reference/sep-functions.md §3 Function rules).
 * SEPM's expected answers — 410 missing list, 409 duplicate name, 400/409/410/422/423 refused assignment — are
 * outcomes (success: true with a reason), never failures. A v1 call on a v2 list is repeated on /v2.
 */

const FP = '/policy-objects/fingerprints';
const seg = encodeURIComponent;

async function withV2Fallback<T>(call: (v: FingerprintApiVersion) => Promise<T>) {
  try {
    return { value: await call('v1'), apiVersion: 'v1' as FingerprintApiVersion };
  } catch (err) {
    if (!isV2FallbackError(err)) throw err;
    return { value: await call('v2'), apiVersion: 'v2' as FingerprintApiVersion };
  }
}

function isStatus(err: unknown, ...statuses: number[]): err is AppError {
  return err instanceof AppError && err.status !== undefined && statuses.includes(err.status);
}

function opts(v: FingerprintApiVersion, extra: SepmRequestOptions = {}): SepmRequestOptions {
  return { ...extra, apiVersion: v };
}

async function readList(client: SepmClient, input: GetFingerprintListInput) {
  return withV2Fallback((v) =>
    input.id !== undefined
      ? client.request<FingerprintList>('GET', `${FP}/${seg(input.id)}`, opts(v))
      : client.request<FingerprintList>('GET', FP, opts(v, { query: { name: input.name, domainId: input.domainId } })),
  );
}

export async function getFingerprintList(
  client: SepmClient,
  input: GetFingerprintListInput,
): Promise<SepResult<GetFingerprintListOutput>> {
  try {
    const { value, apiVersion } = await readList(client, input);
    return { success: true, content: { exists: true, apiVersion, list: value } };
  } catch (err) {
    if (!isStatus(err, 410)) throw err;
    const error = sepmErrorOf(err) ?? {};
    return { success: true, reason: 'fingerprint list does not exist', content: { exists: false, error } };
  }
}

export async function addFingerprintList(
  client: SepmClient,
  input: AddFingerprintListInput,
): Promise<SepResult<AddFingerprintListOutput>> {
  const hashType = hashTypeOf(input.hash) as 'MD5' | 'SHA256';
  const base = { name: input.name, description: input.description, domainId: input.domainId };
  try {
    const { value, apiVersion } = await withV2Fallback((v) =>
      client.request<{ id?: unknown }>(
        'POST',
        FP,
        opts(v, {
          json:
            v === 'v1' ? { ...base, hashType, data: [input.hash] } : { ...base, data: [{ [hashType]: input.hash }] },
        }),
      ),
    );
    if (typeof value?.id !== 'string') throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, 'SEPM list create: no id');
    return { success: true, content: { created: true, id: value.id, apiVersion } };
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
    const error = sepmErrorOf(err) ?? {};
    return { success: true, reason: 'fingerprint list already exists', content: { created: false, error } };
  }
}

export async function updateFingerprintList(
  client: SepmClient,
  input: UpdateFingerprintListInput,
): Promise<SepResult<UpdateFingerprintListOutput>> {
  let current: { value: FingerprintList; apiVersion: FingerprintApiVersion };
  try {
    current = await readList(client, { id: input.id, domainId: input.domainId, name: undefined });
  } catch (err) {
    if (!isStatus(err, 410)) throw err;
    const error = sepmErrorOf(err) ?? {};
    return {
      success: true,
      reason: 'fingerprint list does not exist',
      content: { updated: false, id: input.id, error },
    };
  }
  const isV2 = current.apiVersion === 'v2' || (current.value.data ?? []).some((d) => typeof d === 'object');
  const next = nextFingerprintData(current.value, isV2, input);
  const base = { name: input.name, description: input.description, domainId: input.domainId };
  const apiVersion: FingerprintApiVersion = isV2 ? 'v2' : 'v1';
  const json = isV2 ? { ...base, data: next.data } : { ...base, hashType: next.hashType, data: next.data };
  await client.request('POST', `${FP}/${seg(input.id)}`, opts(apiVersion, { json }));
  return { success: true, content: { updated: true, id: input.id, apiVersion, data: next.data } };
}

export async function deleteFingerprintList(
  client: SepmClient,
  input: DeleteFingerprintListInput,
): Promise<SepResult<DeleteFingerprintListOutput>> {
  try {
    const { apiVersion } = await withV2Fallback((v) => client.request('DELETE', `${FP}/${seg(input.id)}`, opts(v)));
    return { success: true, content: { deleted: true, apiVersion } };
  } catch (err) {
    if (!isStatus(err, 410)) throw err;
    const error = sepmErrorOf(err) ?? {};
    return { success: true, reason: 'fingerprint list does not exist', content: { deleted: false, error } };
  }
}

/**
 * Lock-down assignment; with checkInheritance, a group that inherits its policies is refused up front: `success:
 * true`, `assigned: false` and the reason, as SEPM's own refusals are.
 */
export async function assignFingerprintListToGroup(
  client: SepmClient,
  input: AssignFingerprintListToGroupInput,
): Promise<SepResult<AssignFingerprintListOutput>> {
  let inheritance: boolean | undefined;
  if (input.checkInheritance) {
    const groups = await client.all<SepmGroup>('/groups', {});
    const group = groups.content.find((g) => g.id === input.groupId);
    if (!group) return { success: false, reason: `group ${input.groupId} not found`, content: { assigned: false } };
    inheritance = group.policyInheritanceEnabled === true;
    if (inheritance) {
      // An expected outcome, not a failure (docs/reference/sep-functions.md §1): success with the status.
      return {
        success: true,
        reason: 'group inherits its policies from its parent: turn inheritance off before assigning a list',
        content: { assigned: false, policyInheritanceEnabled: true },
      };
    }
  }
  const extra = inheritance === undefined ? {} : { policyInheritanceEnabled: inheritance };
  try {
    await client.request(
      'PUT',
      `/groups/${seg(input.groupId)}/system-lockdown/fingerprints/${seg(input.fingerprintListId)}`,
    );
    return { success: true, content: { assigned: true, ...extra } };
  } catch (err) {
    if (!isStatus(err, 400, 409, 410, 422, 423)) throw err;
    const error = sepmErrorOf(err) ?? {};
    return {
      success: true,
      reason: `SEPM refused the lock-down assignment (${err.status}): ${error.errorMessage ?? ''}`.trim(),
      content: { assigned: false, ...extra, error },
    };
  }
}
