import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import { configSchema, type Config } from './schema.ts';

/**
 * Environment variables that override config keys. Each also has a `<NAME>_FILE` form whose value is a path
 * to a file holding the value (Docker/Kubernetes secrets). Values are strings; numbers and booleans are coerced.
 */
export const ENV_KEYS: Record<string, string[]> = {
  SEPM_INTAKE_REDIS_URL: ['redis', 'url'],
  SEPM_INTAKE_REDIS_PREFIX: ['redis', 'prefix'],
  SEPM_INTAKE_LOG_LEVEL: ['log', 'level'],
  SEPM_INTAKE_SEPM_MODE: ['sepm', 'mode'],
  SEPM_INTAKE_SEPM_HOST: ['sepm', 'host'],
  SEPM_INTAKE_SEPM_PORT: ['sepm', 'port'],
  SEPM_INTAKE_SEPM_USERNAME: ['sepm', 'username'],
  SEPM_INTAKE_SEPM_PASSWORD: ['sepm', 'password'],
  SEPM_INTAKE_SEPM_DOMAIN: ['sepm', 'domain'],
  SEPM_INTAKE_SEPM_CA_BUNDLE: ['sepm', 'caBundle'],
  SEPM_INTAKE_SEPM_PROXY: ['sepm', 'proxy'],
  SEPM_INTAKE_SOAR_KIND: ['soar', 'kind'],
  SEPM_INTAKE_SOAR_DB: ['soar', 'embedded', 'path'],
  SEPM_INTAKE_SOAR_POSTGRES_URL: ['soar', 'postgres', 'url'],
  SEPM_INTAKE_SOAR_URL: ['soar', 'ibm', 'url'],
  SEPM_INTAKE_SOAR_ORG: ['soar', 'ibm', 'org'],
  SEPM_INTAKE_SOAR_API_KEY_ID: ['soar', 'ibm', 'apiKeyId'],
  SEPM_INTAKE_SOAR_API_KEY_SECRET: ['soar', 'ibm', 'apiKeySecret'],
  SEPM_INTAKE_SOAR_USERNAME: ['soar', 'ibm', 'username'],
  SEPM_INTAKE_SOAR_PASSWORD: ['soar', 'ibm', 'password'],
  SEPM_INTAKE_SPOOL_DIR: ['mail', 'spool', 'dir'],
  SEPM_INTAKE_HTTP_PORT: ['http', 'port'],
  SEPM_INTAKE_HTTP_HOST: ['http', 'host'],
  SEPM_INTAKE_OPS_PORT: ['ops', 'port'],
  SEPM_INTAKE_OPS_HOST: ['ops', 'host'],
};

/** Secret keys that may be given as `<key>File` in the config file. */
const SECRET_KEYS = [
  'password',
  'apiKeySecret',
  'accessToken',
  'token',
  'passwordHash',
  'clientSecret',
  'refreshToken',
  'url',
];

export interface LoadOptions {
  /** Path of a YAML or JSON config file; undefined = defaults + environment only. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Injected for tests; defaults to fs.readFileSync(path, 'utf8'). */
  readText?: (path: string) => string;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const readText = options.readText ?? ((p: string) => readFileSync(p, 'utf8'));
  let raw: unknown = {};
  if (options.file) {
    let text: string;
    try {
      text = readText(options.file);
    } catch (err) {
      throw new AppError(
        ErrorCodes.CONFIG_FILE_UNREADABLE,
        `cannot read config file ${options.file}: ${(err as Error).message}`,
      );
    }
    raw = parseConfigText(text, options.file);
  }
  const tree = (isObject(raw) ? raw : {}) as Record<string, unknown>;
  applyEnv(tree, env, readText);
  resolveSecretFiles(tree, readText, []);
  return validateConfig(tree);
}

export function parseConfigText(text: string, name = 'config'): unknown {
  try {
    const value = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (value !== null && value !== undefined && !isObject(value)) {
      throw new Error('the top level must be a mapping of keys');
    }
    return value ?? {};
  } catch (err) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `${name}: not valid ${name.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
}

export function validateConfig(tree: unknown): Config {
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    throw new AppError(ErrorCodes.CONFIG_INVALID, `invalid configuration:\n${formatIssues(result.error.issues)}`, {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return result.data;
}

/** One line per problem, each naming the offending key, e.g. `- sepm.port: expected number, received string`. */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
      return `- ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}${keys}`;
    })
    .join('\n');
}

function applyEnv(tree: Record<string, unknown>, env: NodeJS.ProcessEnv, readText: (p: string) => string): void {
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    let value = env[name];
    const fileName = env[`${name}_FILE`];
    if (value === undefined && fileName) value = readSecretFile(fileName, `${name}_FILE`, readText);
    if (value === undefined || value === '') continue;
    setPath(tree, path, path[path.length - 1] === 'port' ? coerce(value) : value);
  }
}

function resolveSecretFiles(node: unknown, readText: (p: string) => string, path: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => resolveSecretFiles(item, readText, [...path, String(i)]));
    return;
  }
  if (!isObject(node)) return;
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const base = key.endsWith('File') ? key.slice(0, -4) : '';
    if (base && SECRET_KEYS.includes(base) && typeof obj[key] === 'string') {
      if (obj[base] === undefined) obj[base] = readSecretFile(obj[key] as string, [...path, key].join('.'), readText);
      // passwordHashFile is a declared key of http users; the other *File keys are consumed here.
      if (base !== 'passwordHash' && base !== 'token') delete obj[key];
    } else {
      resolveSecretFiles(obj[key], readText, [...path, key]);
    }
  }
}

function readSecretFile(file: string, where: string, readText: (p: string) => string): string {
  try {
    return readText(file).replace(/\r?\n$/, '');
  } catch (err) {
    throw new AppError(
      ErrorCodes.SECRET_FILE_UNREADABLE,
      `${where}: cannot read secret file ${file}: ${(err as Error).message}`,
    );
  }
}

function coerce(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

function setPath(tree: Record<string, unknown>, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
