import { compileWhitelist } from '../../src/whitelist/index.ts';
import type { AnalyzeOptions } from '../../src/intake/analyze.ts';

/** The fixed configuration the golden files were produced with. */
export function fixtureOptions(overrides: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  return {
    maxRawBytes: 10 * 1024 * 1024,
    allowedSenders: ['sepm@sepmdomain.com', '*@corp.example'],
    senderAuth: {
      allowedSenders: ['sepm@sepmdomain.com'],
      trustedAuthservIds: ['mx.corp.example'],
      requireSpf: true,
      requireDkim: false,
      requireDmarc: false,
      trustedRelays: ['10.20.30.40'],
    },
    whitelist: compileWhitelist({
      ips: ['10.0.0.0/8'],
      domains: ['*.sepmdomain.com'],
      hosts: [],
      riskNames: [],
      paths: [],
      users: [],
    }),
    timeZone: 'America/Los_Angeles',
    ...overrides,
  };
}

export const FIXTURE_DIR = new URL('../../fixtures/emails/', import.meta.url);
