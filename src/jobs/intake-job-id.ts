import { createHash } from 'node:crypto';

/**
 * Deterministic ids for the intake queue (pure). The same mail always gets the same id, so a second enqueue after
 * a crash, a reconnect or a UIDVALIDITY rescan is a no-op in BullMQ. The id deliberately does not contain the
 * UID or UIDVALIDITY: those change when a mailbox is rebuilt, and the rescan that follows must find the same ids.
 * It is built from the source name plus the Message-ID, or a SHA-256 of the raw bytes when there is none.
 * BullMQ custom ids must not contain ':' and must not be plain integers: a hex digest with a prefix is neither.
 */

export function contentHash(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** The identity of a mail across deliveries: its Message-ID when present, else its content hash. */
export function mailIdentity(messageId: string | undefined, raw: Buffer): string {
  const id = normaliseMessageId(messageId);
  return id ? `mid:${id}` : `sha256:${contentHash(raw)}`;
}

export function intakeJobId(sourceName: string, identity: string): string {
  const digest = createHash('sha256').update(`${sourceName}\u0000${identity}`).digest('hex').slice(0, 40);
  return `mail-${digest}`;
}

/** Id of the hand-off job for one incident of one mail (the same mail merged twice yields the same id). */
export function incidentReadyJobId(incidentId: number, sourceMessageId: string): string {
  const digest = createHash('sha256').update(`${incidentId}\u0000${sourceMessageId}`).digest('hex').slice(0, 40);
  return `ready-${digest}`;
}

/** `<abc@host>` and `abc@host` are the same Message-ID; blank is none. */
export function normaliseMessageId(messageId: string | undefined | null): string | undefined {
  if (!messageId) return undefined;
  const trimmed = messageId.trim().replace(/^<|>$/g, '').trim();
  return trimmed.length > 0 ? trimmed : undefined;
}
