import { z } from 'zod';

/** Pieces several sections of the configuration schema share (schema.ts, schema-mail.ts). */

export const secret = z.string().min(1).optional();

export const tlsSchema = {
  /** PEM file with the CA(s) that sign the server certificate (SEPM usually self-signed: export it). */
  caBundle: z.string().optional(),
  /** Optional client certificate and key (PEM files) for mutual TLS. */
  clientCert: z.string().optional(),
  clientKey: z.string().optional(),
  /** HTTP(S) proxy URL, e.g. http://proxy:3128. */
  proxy: z.string().optional(),
};
