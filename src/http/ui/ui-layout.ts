import type { Principal } from '../auth/auth.ts';
import { html, type SafeHtml } from './html.ts';

/** Page frame and stylesheet of the review UI (no scripts: the CSP allows none). */

export interface PageOptions {
  title: string;
  principal?: Principal | undefined;
  csrf?: string | undefined;
  /** Seconds; set while a job shown on the page is still running (progress without JavaScript). */
  refreshSec?: number | undefined;
}

export function page(opts: PageOptions, body: SafeHtml): string {
  const p = opts.principal;
  const nav = p
    ? html`<nav>
        <a href="/incidents">Incidents</a> <a href="/admin/queues">Queues</a>
        <a href="/api/openapi.json">API</a>
        <span class="who">${p.name} (${p.role})</span>
        <form method="post" action="/logout" class="inline">
          <input type="hidden" name="_csrf" value="${opts.csrf}" /> <button type="submit">Log out</button>
        </form>
      </nav>`
    : html``;
  const refresh = opts.refreshSec ? html`<meta http-equiv="refresh" content="${opts.refreshSec}" />` : html``;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        ${refresh}
        <title>${opts.title} — sepm-intake</title>
        <link rel="stylesheet" href="/ui/app.css" />
      </head>
      <body>
        <header><strong>sepm-intake</strong> ${nav}</header>
        <main>${body}</main>
      </body>
    </html>`.value;
}

export const APP_CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d232b;background:#f5f6f8}
header{background:#1f2d3d;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#cfe3ff;margin-right:12px}header nav{display:flex;gap:8px;align-items:center;flex:1}
.who{margin-left:auto;color:#aab}main{padding:16px 24px}
table{border-collapse:collapse;background:#fff;margin:8px 0 16px;width:100%}
th,td{border:1px solid #d6dae0;padding:4px 8px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#eef1f5}caption{text-align:left;font-weight:600;padding:4px 0}
pre.desc{white-space:pre-wrap;background:#fff;border:1px solid #d6dae0;padding:8px;max-height:28em;overflow:auto}
form.inline{display:inline;margin:0}form.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:end}
label{display:inline-flex;flex-direction:column;font-size:12px;color:#556}
button{cursor:pointer;padding:2px 8px}input,select{padding:2px 4px}
.sev-High{color:#b00020;font-weight:600}.sev-Medium{color:#b36b00}.state-closed{color:#667}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:8px}.notice{background:#e8f3fd;border:1px solid #a0c4e0;padding:8px}
.job-completed{color:#116611}.job-failed{color:#b00020}.small{font-size:12px;color:#667}
.login{max-width:320px;margin:10vh auto;background:#fff;padding:24px;border:1px solid #d6dae0}
.login label{display:flex;margin-bottom:8px}
`;

/** Incident descriptions are HTML built by the mapper from mail values; shown as plain text (never as markup). */
export function descriptionText(description: string): string {
  return description
    .replace(/<\/(tr|caption|p|div|h\d|li|table)>/gi, '\n')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/th>/gi, ': ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|#39|apos|nbsp);/gi, (_m, e: string) => decodeEntity(e))
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntity(e: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };
  const lower = e.toLowerCase();
  if (named[lower]) return named[lower];
  const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
  return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
}
