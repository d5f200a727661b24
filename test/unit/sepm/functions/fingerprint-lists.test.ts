import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSepmClient, type SepmClient } from '../../../../src/sepm/client/client.ts';
import { createSepmApi, type SepmRawApi } from '../../../../src/sepm/functions/api.ts';
import type { SepmPage } from '../../../../src/sepm/functions/types.ts';
import { ErrorCodes } from '../../../../src/shared/errors.ts';
import { fakeConfig, fixture, sendJson, sepmError, startFakeSepm, type FakeSepm } from '../../../helpers/fake-sepm.ts';

/** The fingerprint-list functions on the real samples (plain HTTP stand-in server); split from functions.test.ts. */

let sepm: FakeSepm;
let client: SepmClient;
let fns: SepmRawApi;
const NOW = Date.parse('2026-01-01T00:00:00Z');
const V2_MSG = 'This FingerprintList is not supported by V1, please try V2!';

beforeEach(async () => {
  sepm = await startFakeSepm();
  const cfg = fakeConfig(sepm.port);
  client = createSepmClient(cfg, { retry: { baseMs: 1, capMs: 2 } });
  fns = createSepmApi(client, cfg, { now: () => NOW }).raw;
});

afterEach(async () => {
  await client.close();
  await sepm.close();
});

const serve = (key: string, file: string, status = 200) =>
  sepm.route(key, (_r, res) => sendJson(res, status, fixture(file)));

describe('fingerprint lists', () => {
  const base = { name: 'Blacklist', description: 'd', domainId: 'D' };

  it('get by name (v1 sample) and the real 410 as a "does not exist" outcome', async () => {
    serve('GET /policy-objects/fingerprints', 'fingerprint_list_get_14.2.json');
    const got = await fns.getFingerprintList({ name: 'Blacklist', domainId: 'D' });
    expect(got.content).toMatchObject({ exists: true, apiVersion: 'v1', list: { hashType: 'MD5' } });
    serve('GET /policy-objects/fingerprints', 'error_410_fingerprint_list_not_found_14.3ru8.json', 410);
    const missing = await fns.getFingerprintList({ name: 'Blacklist2', domainId: 'D' });
    expect(missing).toMatchObject({
      success: true,
      reason: 'fingerprint list does not exist',
      content: { exists: false },
    });
    expect(missing.content.error?.errorMessage).toBe('Fingerprint list with ID Blacklist2 do not exist');
  });

  it.each(['fingerprint_list_post_response_14.2.json', 'fingerprint_list_post_response_14.3ru8.json'])(
    'add: %s',
    async (file) => {
      serve('POST /policy-objects/fingerprints', file);
      const out = await fns.addFingerprintList({ ...base, hash: 'a'.repeat(64) });
      expect(out.content).toMatchObject({ created: true, id: fixture<{ id: string }>(file).id });
      expect(JSON.parse(sepm.requests[0]!.body)).toEqual({ ...base, hashType: 'SHA256', data: ['A'.repeat(64)] });
    },
  );

  it('add: 409 duplicate is an outcome; v1 "not supported" falls back to v2', async () => {
    sepm.route('POST /policy-objects/fingerprints', (_r, res) =>
      sepmError(res, 409, 'File Fingerprint already exists'),
    );
    expect(await fns.addFingerprintList({ ...base, hash: 'a'.repeat(32) })).toMatchObject({
      success: true,
      content: { created: false },
    });
    sepm.route('POST /sepm/api/v1/policy-objects/fingerprints', (_r, res) => sepmError(res, 400, V2_MSG));
    sepm.route('POST /sepm/api/v2/policy-objects/fingerprints', (_r, res) => sendJson(res, 200, { id: 'NEW' }));
    const out = await fns.addFingerprintList({ ...base, hash: 'a'.repeat(32) });
    expect(out.content).toEqual({ created: true, id: 'NEW', apiVersion: 'v2' });
    expect(JSON.parse(sepm.requests.at(-1)!.body).data).toEqual([{ MD5: 'A'.repeat(32) }]);
  });

  it('update a v2 list (sample data): keeps pairs, adds and removes single hashes, posts to /v2', async () => {
    const data = fixture<{ data: unknown[] }>('fingerprint_list_v2_data_format.subset.json').data;
    sepm.route('GET /sepm/api/v1/policy-objects/fingerprints/L2', (_r, res) => sepmError(res, 400, V2_MSG));
    sepm.route('GET /sepm/api/v2/policy-objects/fingerprints/L2', (_r, res) =>
      sendJson(res, 200, { id: 'L2', name: 'n', data }),
    );
    sepm.route('POST /sepm/api/v2/policy-objects/fingerprints/L2', (_r, res) => {
      res.writeHead(200);
      res.end();
    });
    const out = await fns.updateFingerprintList({
      id: 'L2',
      ...base,
      addHashes: 'c'.repeat(32),
      removeHashes: 'ff8c053969c0a52ff267d25138c71553',
    });
    expect(out.content).toMatchObject({ updated: true, apiVersion: 'v2' });
    const body = JSON.parse(sepm.requests.at(-1)!.body);
    expect(body.hashType).toBeUndefined();
    expect(body.data).toHaveLength(4);
    expect(body.data).toContainEqual({ MD5: 'C'.repeat(32) });
    expect(body.data).toContainEqual(data[2]);
    expect(body.data).not.toContainEqual(data[1]);
  });

  it('update a v1 list with the complete set; mixed types are refused before writing', async () => {
    serve('GET /policy-objects/fingerprints/B5', 'fingerprint_list_get_14.2.json');
    sepm.route('POST /policy-objects/fingerprints/B5', (_r, res) => {
      res.writeHead(204);
      res.end();
    });
    await fns.updateFingerprintList({ id: 'B5', ...base, hashes: ['a'.repeat(32), 'b'.repeat(32)] });
    expect(JSON.parse(sepm.requests.at(-1)!.body)).toMatchObject({
      hashType: 'MD5',
      data: ['A'.repeat(32), 'B'.repeat(32)],
    });
    const posts = sepm.requests.filter((r) => r.method === 'POST').length;
    await expect(fns.updateFingerprintList({ id: 'B5', ...base, addHashes: 'a'.repeat(64) })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_INPUT_INVALID,
    });
    expect(sepm.requests.filter((r) => r.method === 'POST')).toHaveLength(posts);
  });

  it('delete: empty body = deleted; 410 = "does not exist" outcome', async () => {
    sepm.route('DELETE /policy-objects/fingerprints/A', (_r, res) => {
      res.writeHead(200);
      res.end();
    });
    serve('DELETE /policy-objects/fingerprints/B', 'error_410_fingerprint_list_not_found_14.3ru8.json', 410);
    expect((await fns.deleteFingerprintList({ id: 'A' })).content).toEqual({ deleted: true, apiVersion: 'v1' });
    expect(await fns.deleteFingerprintList({ id: 'B' })).toMatchObject({ success: true, content: { deleted: false } });
  });

  it('assign: checks policy inheritance, 400 refusal is an outcome', async () => {
    const groups = fixture<SepmPage<{ id: string; policyInheritanceEnabled: boolean }>>('groups_page_14.2.json');
    groups.content[1]!.policyInheritanceEnabled = false; // both sample groups inherit; give one its own policies
    sepm.route('GET /groups', (_r, res) => sendJson(res, 200, groups));
    const inheriting = groups.content[0]!;
    const own = groups.content[1]!;
    const out = await fns.assignFingerprintListToGroup({ fingerprintListId: 'F', groupId: inheriting.id });
    expect(out).toMatchObject({ success: true, content: { assigned: false, policyInheritanceEnabled: true } });
    expect(out.reason).toContain('inherits its policies');
    const unknown = await fns.assignFingerprintListToGroup({ fingerprintListId: 'F', groupId: 'NOPE' });
    expect(unknown).toMatchObject({ success: false, reason: 'group NOPE not found' });
    sepm.route(`PUT /groups/${own.id}/system-lockdown/fingerprints/F`, (_r, res) =>
      sepmError(res, 400, 'invalid list'),
    );
    const refused = await fns.assignFingerprintListToGroup({ fingerprintListId: 'F', groupId: own.id });
    expect(refused).toMatchObject({ success: true, content: { assigned: false } });
    expect(refused.reason).toContain('invalid list');
    expect(sepm.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });
});
