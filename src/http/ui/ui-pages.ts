import { randomBytes } from 'node:crypto';
import type { Incident, IncidentDetail, IncidentSearch, TableRow } from '../../soar/port.ts';
import { SepTables } from '../../soar/sep-tables.ts';
import type { Principal } from '../auth/auth.ts';
import { html, query, type SafeHtml } from './html.ts';
import type { JobView } from '../api/jobs.ts';
import { ACTIONS, SCAN_ROW_ARTIFACT_TYPES, artifactActions, type ActionName } from './ui-actions.ts';
import { descriptionText, page } from './ui-layout.ts';

/** Server-rendered pages of the review UI. Every value goes through `html` (escaped). */

export interface View {
  principal: Principal;
  csrf: string;
}

const fmtDate = (ms: number | null | undefined) =>
  ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '';
export const RESOLUTIONS = ['Resolved', 'Unresolved', 'Duplicate', 'Not an Issue'] as const;

/** `csrf`: the login form's token, the same value as the login cookie (see ui-login.ts). */
export function loginPage(next: string, csrf: string, error?: string): string {
  return page(
    { title: 'Log in' },
    html`<form method="post" action="/login" class="login">
      <h1>Log in</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <label>User name <input name="username" autocomplete="username" required autofocus /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <input type="hidden" name="next" value="${next}" /><input type="hidden" name="_csrf" value="${csrf}" />
      <button type="submit">Log in</button>
    </form>`,
  );
}

function options(values: readonly string[], selected: string | undefined, any = true): SafeHtml {
  return html`${any ? html`<option value="">any</option>` : ''}${values.map(
    (v) => html`<option value="${v}" ${v === selected ? html` selected` : ''}>${v}</option>`,
  )}`;
}

export function listPage(view: View, q: IncidentSearch & { page: number }, total: number, items: Incident[]): string {
  const rows = items.map(
    (i) =>
      html`<tr>
        <td>${i.id}</td>
        <td><a href="/incidents/${i.id}">${i.name}</a></td>
        <td class="sev-${i.severity}">${i.severity}</td>
        <td class="state-${i.state}">${i.state}</td>
        <td>${i.properties.sepm_computer ?? ''}</td>
        <td>${i.properties.sepm_risk_name ?? ''}</td>
        <td>${i.occurrences}</td>
        <td>${fmtDate(i.createdAt)}</td>
      </tr>`,
  );
  const base = { state: q.state, severity: q.severity, computer: q.computer, risk: q.risk };
  const pages = Math.max(1, Math.ceil(total / (q.limit ?? 50)));
  return page(
    { title: 'Incidents', ...view },
    html`<h1>Incidents</h1>
      <form method="get" action="/incidents" class="filters">
        <label
          >State
          <select name="state">
            ${options(['open', 'closed'], q.state)}
          </select></label
        >
        <label
          >Severity
          <select name="severity">
            ${options(['High', 'Medium', 'Low'], q.severity)}
          </select></label
        >
        <label>Computer <input name="computer" value="${q.computer ?? ''}" /></label>
        <label>Risk <input name="risk" value="${q.risk ?? ''}" /></label><button type="submit">Filter</button>
      </form>
      <p class="small">${total} incident(s), page ${q.page} of ${pages}</p>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Name</th>
            <th>Severity</th>
            <th>State</th>
            <th>Computer</th>
            <th>Risk</th>
            <th>Occurrences</th>
            <th>Created (UTC)</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      ${q.page > 1 ? html`<a href="/incidents${query({ ...base, page: q.page - 1 })}">Newer</a> ` : ''}
      ${q.page < pages ? html`<a href="/incidents${query({ ...base, page: q.page + 1 })}">Older</a>` : ''}`,
  );
}

function actionForm(
  view: View,
  incidentId: number,
  name: ActionName,
  hidden: Record<string, number>,
  extra?: SafeHtml,
): SafeHtml {
  return html`<form method="post" action="/incidents/${incidentId}/actions" class="inline">
    <input type="hidden" name="_csrf" value="${view.csrf}" /><input type="hidden" name="action" value="${name}" />
    <input type="hidden" name="nonce" value="${randomBytes(16).toString('hex')}" />
    ${Object.entries(hidden).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
    ${extra ?? ''}<button type="submit" data-action="${name}">${ACTIONS[name].label}</button>
  </form>`;
}

const groupInput = html`<input name="groupId" placeholder="group id" required size="12" />`;

function artifactRows(view: View, d: IncidentDetail, operator: boolean): SafeHtml[] {
  return d.artifacts.map((a) => {
    const actions = operator
      ? artifactActions(a).map((n) =>
          actionForm(
            view,
            d.incident.id,
            n,
            { artifactId: a.id },
            n === 'move-endpoint-playbook' ? groupInput : undefined,
          ),
        )
      : [];
    return html`<tr>
      <td>${a.type}</td>
      <td>${a.value}</td>
      <td>${a.description ?? ''}</td>
      <td>${actions}</td>
    </tr>`;
  });
}

function dataTable(view: View, d: IncidentDetail, table: string, rows: TableRow[], operator: boolean): SafeHtml {
  if (rows.length === 0)
    return html`<h3>${table}</h3>
      <p class="small">no rows</p>`;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.cells)))];
  const scan = table === SepTables.eocScanResults && operator;
  const typeSelect = html`<select name="artifactType">
    ${options(SCAN_ROW_ARTIFACT_TYPES, undefined, false)}
  </select>`;
  const body = rows.map(
    (r) =>
      html`<tr data-row="${r.id}">
        ${columns.map((c) => html`<td>${r.cells[c] ?? ''}</td>`)}${
          scan
            ? html`<td>
                ${actionForm(view, d.incident.id, 'remediate-artifact', { rowId: r.id })}
                ${actionForm(view, d.incident.id, 'upload-file-playbook', { rowId: r.id })}
                ${actionForm(view, d.incident.id, 'endpoint-details-from-scan-row', { rowId: r.id })}
                ${actionForm(view, d.incident.id, 'add-artifact-from-scan-row', { rowId: r.id }, typeSelect)}
              </td>`
            : ''
        }
      </tr>`,
  );
  return html`<h3>${table}</h3>
    <table data-table="${table}">
      <thead>
        <tr>
          ${columns.map((c) => html`<th>${c}</th>`)}${scan ? html`<th>Actions</th>` : ''}
        </tr>
      </thead>
      <tbody>
        ${body}
      </tbody>
    </table>`;
}

function jobsPanel(jobs: JobView[]): SafeHtml {
  if (jobs.length === 0) return html``;
  const rows = jobs.map((j) => {
    const result = j.result === null ? '' : JSON.stringify(j.result).slice(0, 400);
    return html`<tr>
      <td>${j.name}</td>
      <td><a href="/api/jobs/${j.id}">${j.id}</a></td>
      <td class="job-${j.state}" data-job-state="${j.state}">${j.state}</td>
      <td>${j.failedReason ?? result}</td>
    </tr>`;
  });
  return html`<section id="jobs">
    <h2>Requested jobs</h2>
    <table>
      <thead>
        <tr>
          <th>Job</th>
          <th>Id</th>
          <th>State</th>
          <th>Result / failure</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </section>`;
}

function incidentActions(view: View, d: IncidentDetail): SafeHtml {
  const id = d.incident.id;
  const close =
    d.incident.state === 'open'
      ? html`<form method="post" action="/incidents/${id}/close" class="filters">
          <input type="hidden" name="_csrf" value="${view.csrf}" />
          <label
            >Resolution
            <select name="resolution">
              ${options(RESOLUTIONS, undefined, false)}
            </select></label
          >
          <label>Summary <input name="summary" required maxlength="4000" size="40" /></label>
          <button type="submit">Close incident</button>
        </form>`
      : html`<p>Closed: ${d.incident.resolution ?? ''} — ${d.incident.resolutionSummary ?? ''}</p>`;
  return html`<section>
    <h2>Incident actions</h2>
    ${actionForm(view, id, 'assign-blacklist-to-lockdown-group', {}, groupInput)}
    ${actionForm(view, id, 'endpoints-status-summary', {})} ${actionForm(view, id, 'non-compliant-details', {})}
    ${actionForm(view, id, 'groups-info', {})} ${actionForm(view, id, 'critical-events', {})}${close}
  </section>`;
}

export function detailPage(view: View, d: IncidentDetail, jobs: JobView[], error?: string): string {
  const i = d.incident;
  const operator = view.principal.role === 'operator';
  const running = jobs.some((j) => j.state !== 'completed' && j.state !== 'failed');
  const props = Object.entries(i.properties).map(
    ([k, v]) =>
      html`<tr>
        <th>${k}</th>
        <td>${v ?? ''}</td>
      </tr>`,
  );
  const tables = Object.values(SepTables).map((t) => dataTable(view, d, t, d.tables[t] ?? [], operator));
  return page(
    { title: `Incident ${i.id}`, ...view, refreshSec: running ? 1 : undefined },
    html`<p><a href="/incidents">← Incidents</a></p>
      <h1>#${i.id} ${i.name}</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <p>
        <span class="sev-${i.severity}">${i.severity}</span> · <span class="state-${i.state}">${i.state}</span> ·
        ${i.incidentTypes.join(', ')} · created ${fmtDate(i.createdAt)} UTC · ${i.occurrences} occurrence(s)
      </p>
      ${jobsPanel(jobs)}
      <h2>Events</h2>
      <pre class="desc">${descriptionText(i.description)}</pre>
      <table>
        <tbody>
          ${props}
        </tbody>
      </table>
      <h2>Artifacts</h2>
      <table id="artifacts">
        <thead>
          <tr>
            <th>Type</th>
            <th>Value</th>
            <th>Description</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          ${artifactRows(view, d, operator)}
        </tbody>
      </table>
      <h2>SEP data tables</h2>
      ${tables}
      <h2>Notes</h2>
      ${d.notes.map((n) => html`<pre class="desc">${fmtDate(n.createdAt)} — ${descriptionText(n.text)}</pre>`)}
      <h2>Attachments</h2>
      <ul>
        ${d.attachments.map(
          (a) => html`<li><a href="/incidents/${i.id}/attachments/${a.id}">${a.name}</a> (${a.size} bytes)</li>`,
        )}
      </ul>
      ${operator ? incidentActions(view, d) : ''}`,
  );
}
