/**
 * The simulator's model: estate, tokens, faults and indexes. Transport-free so route handlers stay small.
 */
import { createHash, randomBytes } from 'node:crypto';
import { computerRecord, type RecordContext } from './computer-record.ts';
import { generateEstate } from './estate.ts';
import { defaultEvents } from './events.ts';
import type {
  SepmSimFault,
  SepmSimOptions,
  SepmSimState,
  SepmSimUser,
  SimComputer,
  SimGroup,
  SimPlantedFile,
} from './types.ts';

export const DEFAULT_USER: SepmSimUser = { username: 'admin', password: 'S3cr3t!"#%&\'<>', domain: '' };

export interface ResolvedOptions {
  computers: number;
  seed: number;
  users: SepmSimUser[];
  tokenLifetimeSec: number;
  commandStepMs: number;
}

export interface TokenInfo {
  username: string;
  domainId: string;
  /** epoch ms */
  expiresAt: number;
}

interface ActiveFault {
  fault: SepmSimFault;
  method: string;
  pathRe: RegExp | null;
  remaining: number;
}

export class SimCore {
  readonly opts: ResolvedOptions;
  readonly state: SepmSimState;
  readonly startedAt: number;
  readonly tokens = new Map<string, TokenInfo>();
  readonly byUniqueId = new Map<string, SimComputer>();
  readonly byHardwareKey = new Map<string, SimComputer>();
  readonly groupsById = new Map<string, SimGroup>();
  readonly recordCtx: RecordContext;
  private faultList: ActiveFault[] = [];

  constructor(options: SepmSimOptions) {
    this.opts = {
      computers: options.computers ?? 300,
      seed: options.seed ?? 1,
      users: options.users ?? [DEFAULT_USER],
      tokenLifetimeSec: options.tokenLifetimeSec ?? 43_200,
      commandStepMs: options.commandStepMs ?? 200,
    };
    this.startedAt = Date.now();
    const estate = generateEstate(this.opts.seed, this.opts.computers, this.startedAt);
    options.shapeEstate?.(estate, this.startedAt);
    this.state = {
      ...estate,
      commands: new Map(),
      fingerprintLists: new Map(),
      files: new Map(),
      events: defaultEvents(this.startedAt),
      stats: { logins: 0, requests: {}, bytes: {}, inFlight: 0, maxInFlight: 0 },
    };
    // Ids are generated upper-case; lookups upper-case their input.
    for (const c of estate.computers) {
      this.byUniqueId.set(c.uniqueId, c);
      this.byHardwareKey.set(c.hardwareKey, c);
    }
    for (const g of estate.groups) this.groupsById.set(g.id, g);
    this.recordCtx = {
      seed: this.opts.seed,
      startedAt: this.startedAt,
      groupsById: this.groupsById,
      domainsById: new Map(estate.domains.map((d) => [d.id, d])),
    };
  }

  record(c: SimComputer): Record<string, unknown> {
    return computerRecord(this.recordCtx, c);
  }

  domainByName(name: string): string | null {
    const want = name.trim() === '' ? 'default' : name.trim().toLowerCase();
    return this.state.domains.find((d) => d.name.toLowerCase() === want)?.id ?? null;
  }

  issueToken(user: SepmSimUser, domainId: string): { token: string; expiresAt: number } {
    const token = randomBytes(24).toString('base64url');
    const expiresAt = Date.now() + this.opts.tokenLifetimeSec * 1000;
    this.tokens.set(token, { username: user.username, domainId, expiresAt });
    return { token, expiresAt };
  }

  tokenValid(token: string | null): boolean {
    if (!token) return false;
    const info = this.tokens.get(token);
    return info !== undefined && info.expiresAt > Date.now();
  }

  expireAllTokens(): void {
    for (const info of this.tokens.values()) info.expiresAt = 0;
  }

  addFault(f: SepmSimFault): void {
    const [method = '*', pattern = '*'] = f.route.trim() === '*' ? ['*', '*'] : f.route.trim().split(/\s+/, 2);
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    this.faultList.push({
      fault: f,
      method: method.toUpperCase(),
      pathRe: pattern === '*' ? null : new RegExp(`^${escaped}$`),
      remaining: f.times ?? 1,
    });
  }

  clearFaults(): void {
    this.faultList = [];
  }

  /** Returns (and counts down) every active fault that matches this request. */
  takeFaults(method: string, path: string): SepmSimFault[] {
    const hits: SepmSimFault[] = [];
    for (const a of this.faultList) {
      if (a.remaining <= 0) continue;
      if (a.method !== '*' && a.method !== method) continue;
      if (a.pathRe && !a.pathRe.test(path)) continue;
      a.remaining--;
      hits.push(a.fault);
    }
    this.faultList = this.faultList.filter((a) => a.remaining > 0);
    return hits;
  }

  plantFile(computerUniqueId: string, file: SimPlantedFile): void {
    const c = this.byUniqueId.get(computerUniqueId.toUpperCase());
    if (!c) throw new Error(`sepm sim: unknown computer ${computerUniqueId}`);
    const planted: SimPlantedFile = { ...file, sha256: file.sha256.toLowerCase() };
    if (file.content) {
      planted.md5 ??= createHash('md5').update(file.content).digest('hex');
      planted.sha1 ??= createHash('sha1').update(file.content).digest('hex');
    }
    if (planted.md5) planted.md5 = planted.md5.toLowerCase();
    if (planted.sha1) planted.sha1 = planted.sha1.toLowerCase();
    c.files.push(planted);
  }

  /** Group and all its descendants (SEPM commands on a group reach its sub-groups' clients). */
  groupTree(groupId: string): Set<string> {
    const ids = new Set([groupId]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const g of this.state.groups) {
        if (g.parentId && ids.has(g.parentId) && !ids.has(g.id)) {
          ids.add(g.id);
          grew = true;
        }
      }
    }
    return ids;
  }
}
