import { describe, expect, it } from 'vitest';
import { buildIntakeJob } from '../../../src/jobs/intake-queue.ts';
import { contentHash, intakeJobId, mailIdentity, normaliseMessageId } from '../../../src/jobs/intake-job-id.ts';

const RAW = Buffer.from('Subject: x\r\n\r\nbody\r\n');

describe('deterministic intake job ids', () => {
  it('gives the same id for the same mail from the same source, whatever UID it had', () => {
    const a = buildIntakeJob({
      raw: RAW,
      messageId: '<m1@x>',
      origin: { kind: 'imap', source: 'box', uid: 5, uidValidity: '1' },
    });
    const b = buildIntakeJob({
      raw: RAW,
      messageId: 'm1@x',
      origin: { kind: 'imap', source: 'box', uid: 99, uidValidity: '2' },
    });
    expect(a.jobId).toBe(b.jobId);
    expect(a.data.messageId).toBe('m1@x');
  });

  it('separates sources and messages, and falls back to the content hash without a Message-ID', () => {
    expect(intakeJobId('a', 'mid:m1@x')).not.toBe(intakeJobId('b', 'mid:m1@x'));
    expect(intakeJobId('a', 'mid:m1@x')).not.toBe(intakeJobId('a', 'mid:m2@x'));
    expect(mailIdentity(undefined, RAW)).toBe(`sha256:${contentHash(RAW)}`);
    expect(mailIdentity('  <>  ', RAW)).toBe(`sha256:${contentHash(RAW)}`);
    expect(mailIdentity(undefined, Buffer.from('other'))).not.toBe(mailIdentity(undefined, RAW));
  });

  it('never contains a colon and is never a plain integer (BullMQ custom id rules)', () => {
    const id = intakeJobId('spool', 'mid:a:b@c');
    expect(id).not.toContain(':');
    expect(id).toMatch(/^mail-[0-9a-f]{40}$/);
  });

  it('normalises Message-IDs with or without angle brackets', () => {
    expect(normaliseMessageId(' <abc@host> ')).toBe('abc@host');
    expect(normaliseMessageId('abc@host')).toBe('abc@host');
    expect(normaliseMessageId('')).toBeUndefined();
    expect(normaliseMessageId(undefined)).toBeUndefined();
  });

  it('carries the raw bytes losslessly in the job data', () => {
    const bin = Buffer.from([0, 255, 13, 10, 128, 65]);
    const { data } = buildIntakeJob({ raw: bin, origin: { kind: 'spool', source: 'spool', file: 'a.eml' } });
    expect(Buffer.from(data.rawB64, 'base64').equals(bin)).toBe(true);
  });
});
