import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { ArtifactTypes, type Artifact } from '../../src/mail/types.ts';
import { AppError, ErrorCodes } from '../../src/shared/errors.ts';
import type { NewIncident, SoarClient } from '../../src/soar/port.ts';

/** Shared pieces of the SOAR contract suite (see soar-contract.ts). */

/** The client under test and the test's clock, replaced before every test. */
export interface ContractContext {
  client: SoarClient;
  base: number;
}

export const MINUTE = 60_000;
export const WINDOW = 60 * MINUTE;

export function uid(): string {
  return randomBytes(6).toString('hex');
}

/** A NewIncident shaped like the mapper's output, with a unique dedup key. */
export function sampleIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  const id = uid();
  return {
    dedupKey: `sep1:contract-${id}`,
    name: `SEP Single Risk Event: Trojan.Gen.NPE on HOST-${id} (Cleaned by deletion)`,
    description: `<p>Risk <b>Trojan.Gen.NPE</b> on HOST-${id}</p>`,
    descriptionFormat: 'html',
    discoveredDate: Date.now() - 5 * MINUTE,
    severity: 'Low',
    incidentTypes: ['Malware'],
    properties: {
      sepm_server: 'SEPM-SERVER',
      sepm_domain: 'Default',
      sepm_group: 'My Company\\TEST_GROUP_1',
      sepm_notification_type: 'single_risk_event',
      sepm_risk_name: 'Trojan.Gen.NPE',
      sepm_computer: `HOST-${id}`,
      sepm_action: 'Cleaned by deletion',
      sepm_message_id: `<${id}@sepm.example>`,
      sepm_forwarded: false,
    },
    artifacts: [
      { type: ArtifactTypes.systemName, value: `HOST-${id}` },
      { type: ArtifactTypes.filePath, value: 'C:\\suspicious_exe.exe' },
      { type: ArtifactTypes.malwareFamily, value: 'Trojan.Gen.NPE' },
    ],
    ...overrides,
  };
}

export function messageId(): string {
  return `<${uid()}.contract@sepm.example>`;
}

export async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(ErrorCodes.SOAR_NOT_FOUND);
}

export const artifactKey = (a: Artifact) => `${a.type}|${a.value.toLowerCase()}`;
