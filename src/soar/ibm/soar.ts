import { FormData } from 'undici';
import type { Artifact } from '../../mail/types.ts';
import { AppError, ErrorCodes, isAppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { closeIncident, findOrCreateIncident, getIncidentDto, listIncidents } from './incidents.ts';
import { type CallOptions, DEFAULT_RETRY, IbmHttp, type IbmConfig, type RetryPolicy } from './http.ts';
import type { Dto, HandleNames } from './mapping.ts';
import { artifactBody, rowBody, toArtifact, toAttachment, toIncident, toNote, toRow, unwrapOne } from './mapping.ts';
import { checkIncidentFields, resolveOrg } from './org.ts';
import { artifactKey, newArtifacts } from '../merge-rules.ts';
import type {
  AttachmentInfo,
  CellValue,
  FindOrCreateOptions,
  FindOrCreateResult,
  Incident,
  IncidentState,
  NewIncident,
  Note,
  SoarClient,
  StoredArtifact,
  TableRow,
} from '../port.ts';

export interface IbmSoarOptions {
  /** Retry policy override (tests use short delays). */
  retry?: Partial<RetryPolicy>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NAMES = { handle_format: 'names' } as const;
/** Time (ms) a lookup may be off against the server clock when matching an object we may have created. */
const CLOCK_SLACK_MS = 120_000;

/** IBM QRadar SOAR adapter of the SOAR port (REST, API key or session auth). */
export class IbmSoarClient implements SoarClient {
  readonly kind = 'ibm' as const;
  readonly http: IbmHttp;
  readonly base: string;
  readonly dedupField: string;
  readonly names: HandleNames;
  readonly logger: Logger;
  private readonly cfg: IbmConfig;
  private readonly retry: RetryPolicy;
  private readonly maxAttachmentBytes: number;
  private typeIds: Map<string, number> | null = null;
  private typeNames = new Map<number, string>();

  constructor(
    deps: { http: IbmHttp; cfg: IbmConfig; logger: Logger; retry: RetryPolicy },
    org: { id: number; names: HandleNames; maxAttachmentMb: number },
  ) {
    this.http = deps.http;
    this.cfg = deps.cfg;
    this.logger = deps.logger;
    this.retry = deps.retry;
    this.base = `/rest/orgs/${org.id}`;
    this.dedupField = deps.cfg.dedupField;
    this.names = org.names;
    this.maxAttachmentBytes = org.maxAttachmentMb * 1024 * 1024;
  }

  call(method: string, path: string, opts: CallOptions): Promise<unknown> {
    return this.http.call(method, this.base + path, opts);
  }

  /**
   * A create is sent once, never re-sent in-process (BullMQ retries the job). After a retryable failure (5xx,
   * timeout, network) we look for the object the failed call may have created, so a job whose create landed
   * despite the error carries on instead of creating it again on its retry. After a timeout the server may still
   * be working on it, so we wait one timeout span (soar.ibm.timeoutMs) before looking, and look a second time after
   * another span. Not found: the original error goes to BullMQ.
   */
  async createWithLookup<T>(what: string, post: () => Promise<T>, lookup: () => Promise<T | undefined>): Promise<T> {
    try {
      return await post();
    } catch (err) {
      if (!isAppError(err) || !err.retryable) throw err;
      const timedOut = err.code === ErrorCodes.SOAR_TIMEOUT;
      if (timedOut) await sleep(this.cfg.timeoutMs);
      let found = await lookup();
      if (found === undefined && timedOut) {
        await sleep(this.cfg.timeoutMs);
        found = await lookup();
      }
      this.logger.warn({ code: err.code, found: found !== undefined }, `soar ${what} failed, looked it up`);
      if (found !== undefined) return found;
      throw err;
    }
  }

  findOrCreateIncident(input: NewIncident, options: FindOrCreateOptions): Promise<FindOrCreateResult> {
    return findOrCreateIncident(this, input, options);
  }

  async getIncident(id: number): Promise<Incident> {
    return toIncident(await getIncidentDto(this, id), this.dedupField, this.names);
  }

  listIncidents(query: { state?: IncidentState; limit?: number; offset?: number } = {}): Promise<Incident[]> {
    return listIncidents(this, query);
  }

  closeIncident(id: number, resolution: string, summary: string): Promise<Incident> {
    return closeIncident(this, id, resolution, summary);
  }

  private async loadTypes(): Promise<Map<string, number>> {
    const field = (await this.call('GET', '/types/artifact/fields/type', { idempotent: true })) as Dto;
    const values = Array.isArray(field?.values) ? (field.values as Dto[]) : [];
    this.typeIds = new Map(values.map((v) => [String(v.label), Number(v.value)]));
    this.typeNames = new Map(values.map((v) => [Number(v.value), String(v.label)]));
    return this.typeIds;
  }

  /** Artifact type id by name from the org's type list (cached; reloaded once for a name not seen yet). */
  async artifactTypeId(name: string): Promise<number> {
    const id = (this.typeIds ?? (await this.loadTypes())).get(name) ?? (await this.loadTypes()).get(name);
    if (id === undefined) throw new AppError(ErrorCodes.SOAR_UNKNOWN_TYPE, `SOAR: no artifact type named "${name}"`);
    return id;
  }

  async artifactBodies(artifacts: Artifact[]): Promise<Dto[]> {
    const out: Dto[] = [];
    for (const a of artifacts) out.push(artifactBody(a, await this.artifactTypeId(a.type)));
    return out;
  }

  async listArtifacts(incidentId: number): Promise<StoredArtifact[]> {
    if (!this.typeIds) await this.loadTypes();
    const list = await this.call('GET', `/incidents/${incidentId}/artifacts`, { query: NAMES, idempotent: true });
    return (Array.isArray(list) ? (list as Dto[]) : []).map((a) => toArtifact(a, this.typeNames));
  }

  async addArtifacts(incidentId: number, artifacts: Artifact[]): Promise<StoredArtifact[]> {
    const existing = await this.listArtifacts(incidentId);
    const added: StoredArtifact[] = [];
    for (const a of newArtifacts(existing, artifacts)) {
      const body = (await this.artifactBodies([a]))[0];
      const post = async () => {
        const res = await this.call('POST', `/incidents/${incidentId}/artifacts`, {
          body,
          query: NAMES,
          idempotent: false,
        });
        return toArtifact(unwrapOne(res), this.typeNames);
      };
      const lookup = async () => (await this.listArtifacts(incidentId)).find((x) => artifactKey(x) === artifactKey(a));
      added.push(await this.createWithLookup('artifact create', post, lookup));
    }
    return added;
  }

  async addNote(incidentId: number, text: string): Promise<Note> {
    const started = Date.now();
    const body = { text: { format: 'text', content: text } };
    const post = async () =>
      toNote(unwrapOne(await this.call('POST', `/incidents/${incidentId}/comments`, { body, idempotent: false })));
    const lookup = async () =>
      (await this.listNotes(incidentId)).find((n) => n.text === text && n.createdAt >= started - CLOCK_SLACK_MS);
    return this.createWithLookup('note create', post, lookup);
  }

  async listNotes(incidentId: number): Promise<Note[]> {
    const list = await this.call('GET', `/incidents/${incidentId}/comments`, { idempotent: true });
    return (Array.isArray(list) ? (list as Dto[]) : []).map(toNote);
  }

  private tablePath(incidentId: number, table: string): string {
    return `/incidents/${incidentId}/table_data/${encodeURIComponent(table)}`;
  }

  async listTableRows(incidentId: number, table: string): Promise<TableRow[]> {
    const res = (await this.call('GET', this.tablePath(incidentId, table), { query: NAMES, idempotent: true })) as Dto;
    return (Array.isArray(res?.rows) ? (res.rows as Dto[]) : []).map(toRow);
  }

  async addTableRow(incidentId: number, table: string, cells: Record<string, CellValue>): Promise<TableRow> {
    const path = `${this.tablePath(incidentId, table)}/row_data`;
    const before = new Set((await this.listTableRows(incidentId, table)).map((r) => r.id));
    const post = async () =>
      toRow(unwrapOne(await this.call('POST', path, { body: rowBody(cells), idempotent: false })));
    const same = (r: TableRow) => Object.entries(cells).every(([k, v]) => (r.cells[k] ?? null) === v);
    const lookup = async () => (await this.listTableRows(incidentId, table)).find((r) => !before.has(r.id) && same(r));
    return this.createWithLookup('table row create', post, lookup);
  }

  async updateTableRow(
    incidentId: number,
    table: string,
    rowId: number,
    cells: Record<string, CellValue>,
  ): Promise<TableRow> {
    const current = (await this.listTableRows(incidentId, table)).find((r) => r.id === rowId);
    if (!current)
      throw new AppError(ErrorCodes.SOAR_NOT_FOUND, `SOAR: no row ${rowId} in ${table} of incident ${incidentId}`);
    // The SOAR replaces the whole row on PUT: send every column, old values merged with the new ones.
    const body = rowBody({ ...current.cells, ...cells });
    const res = await this.call('PUT', `${this.tablePath(incidentId, table)}/row_data/${rowId}`, {
      body,
      idempotent: false,
    });
    return toRow(unwrapOne(res));
  }

  async deleteTableRow(incidentId: number, table: string, rowId: number): Promise<void> {
    await this.call('DELETE', `${this.tablePath(incidentId, table)}/row_data/${rowId}`, { idempotent: false });
  }

  async addAttachment(incidentId: number, name: string, contentType: string, data: Buffer): Promise<AttachmentInfo> {
    if (data.length > this.maxAttachmentBytes) {
      throw new AppError(
        ErrorCodes.SOAR_BAD_REQUEST,
        `SOAR: attachment ${name} (${data.length} bytes) exceeds the org limit`,
      );
    }
    const started = Date.now();
    const post = async () => {
      const form = new FormData();
      form.append('file', new Blob([data], { type: contentType || 'application/octet-stream' }), name);
      return toAttachment(
        unwrapOne(await this.call('POST', `/incidents/${incidentId}/attachments`, { body: form, idempotent: false })),
      );
    };
    const lookup = async () =>
      (await this.listAttachments(incidentId)).find(
        (a) => a.name === name && a.size === data.length && a.createdAt >= started - CLOCK_SLACK_MS,
      );
    return this.createWithLookup('attachment upload', post, lookup);
  }

  async listAttachments(incidentId: number): Promise<AttachmentInfo[]> {
    const list = await this.call('GET', `/incidents/${incidentId}/attachments`, { idempotent: true });
    return (Array.isArray(list) ? (list as Dto[]) : []).map(toAttachment);
  }

  async getAttachment(incidentId: number, attachmentId: number): Promise<{ info: AttachmentInfo; data: Buffer }> {
    const info = (await this.listAttachments(incidentId)).find((a) => a.id === attachmentId);
    if (!info)
      throw new AppError(ErrorCodes.SOAR_NOT_FOUND, `SOAR: no attachment ${attachmentId} on incident ${incidentId}`);
    const data = await this.http.callBytes(
      'GET',
      `${this.base}/incidents/${incidentId}/attachments/${attachmentId}/contents`,
      {
        idempotent: true,
      },
    );
    return { info, data };
  }

  /** No retries here: a readiness probe should report what it sees now, not wait out a backoff. */
  async ping(): Promise<void> {
    await this.http.call('GET', this.base, { idempotent: false });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** Connects, resolves the org and checks the org's incident fields; fails fast on any of them. */
export async function createIbmSoarClient(
  cfg: IbmConfig,
  logger: Logger,
  options: IbmSoarOptions = {},
): Promise<SoarClient> {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const http = new IbmHttp(cfg, logger, retry);
  try {
    const session = await http.authenticate();
    const org = resolveOrg(session.orgs, cfg.org);
    await http.call('GET', `/rest/orgs/${org.id}`, { idempotent: true });
    const consts = (await http.call('GET', '/rest/const', { idempotent: true })) as Dto | null;
    const fields = await http.call('GET', `/rest/orgs/${org.id}/types/incident/fields`, { idempotent: true });
    const names = checkIncidentFields(fields, cfg.dedupField);
    const maxAttachmentMb = typeof consts?.max_attachment_mb === 'number' ? consts.max_attachment_mb : 25;
    logger.info({ org: org.name, orgId: org.id, auth: http.usesSession ? 'session' : 'api-key' }, 'soar connected');
    return new IbmSoarClient({ http, cfg, logger, retry }, { id: org.id, names, maxAttachmentMb });
  } catch (err) {
    await http.close().catch(() => undefined);
    throw err;
  }
}
