import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * Logs in through the review UI's form as a browser does: GET /login for the form's CSRF token and its
 * cookie, then POST both with the credentials. Returns the POST's response.
 */
export async function postLoginForm(
  app: FastifyInstance,
  fields: Record<string, string>,
  opts: { remoteAddress?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const form = await app.inject({ url: '/login', ...opts });
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const cookie = String(form.headers['set-cookie'] ?? '').split(';')[0]!;
  return app.inject({
    method: 'POST',
    url: '/login',
    ...opts,
    headers: { ...opts.headers, cookie },
    payload: { ...fields, _csrf: token },
  });
}
