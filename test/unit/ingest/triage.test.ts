import { describe, expect, it } from 'vitest';
import { triageMessage } from '../../../src/ingest/triage.ts';

const F = {
  allowedSenders: ['*@sepmdomain.com'],
  subjectPatterns: ['Single Risk Event', '/^Risk outbreak/i'],
  maxRawBytes: 2048,
};

describe('triage before enqueue', () => {
  it('accepts a SEPM alert within the size cap', () => {
    expect(triageMessage({ from: 'sepm@sepmdomain.com', subject: 'Single Risk Event: x', sizeBytes: 100 }, F)).toEqual({
      action: 'accept',
    });
    expect(triageMessage({ from: 'SEPM@SEPMDOMAIN.COM', subject: 'risk outbreak on 12', sizeBytes: 100 }, F)).toEqual({
      action: 'accept',
    });
  });

  it('leaves mail from other senders or with other subjects alone, even when it is huge', () => {
    expect(
      triageMessage({ from: 'x@evil.example', subject: 'Single Risk Event', sizeBytes: 10 ** 9 }, F),
    ).toMatchObject({
      action: 'ignore',
      reason: 'sender_not_allowed',
    });
    expect(triageMessage({ from: 'sepm@sepmdomain.com', subject: 'Weekly digest', sizeBytes: 10 }, F)).toMatchObject({
      action: 'ignore',
      reason: 'subject_not_matched',
    });
    expect(triageMessage({ subject: 'Single Risk Event', sizeBytes: 10 }, F)).toMatchObject({ action: 'ignore' });
  });

  it('quarantines an alert over the size cap with the reason', () => {
    expect(triageMessage({ from: 'sepm@sepmdomain.com', subject: 'Single Risk Event', sizeBytes: 4096 }, F)).toEqual({
      action: 'quarantine',
      reason: 'too_large',
      detail: '4096 bytes > cap 2048',
    });
  });
});
