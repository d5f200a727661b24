import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_IDS,
  lastSeen,
  messageIds,
  newIncidentBody,
  toIncident,
  toRow,
  unwrapOne,
  withMessageId,
  type HandleNames,
} from '../../../../src/soar/ibm/mapping.ts';

const noNames: HandleNames = { severity_code: new Map(), incident_type_ids: new Map(), resolution_id: new Map() };

describe('IBM SOAR mapping', () => {
  it('maps a names-format incident to the port, hiding the adapter-internal custom fields', () => {
    const inc = toIncident(
      {
        id: 2101,
        name: 'SEP Single Risk Event',
        description: { format: 'html', content: '<p>x</p>' },
        plan_status: 'C',
        severity_code: 'High',
        incident_type_ids: ['Malware', 'System Intrusion'],
        discovered_date: 10,
        create_date: 20,
        inc_last_modified_date: 30,
        resolution_id: 'Resolved',
        resolution_summary: 'cleaned',
        properties: {
          sepm_alert_key: 'k1',
          sepm_occurrences: 3,
          sepm_last_seen: 25,
          sepm_message_ids: '<a>\n<b>',
          sepm_server: 'SEPM-1',
          sepm_forwarded: false,
        },
      },
      'sepm_alert_key',
      noNames,
    );
    expect(inc).toEqual({
      id: 2101,
      dedupKey: 'k1',
      name: 'SEP Single Risk Event',
      description: '<p>x</p>',
      state: 'closed',
      severity: 'High',
      incidentTypes: ['Malware', 'System Intrusion'],
      discoveredDate: 10,
      createdAt: 20,
      updatedAt: 30,
      occurrences: 3,
      properties: { sepm_server: 'SEPM-1', sepm_forwarded: false },
      resolution: 'Resolved',
      resolutionSummary: 'cleaned',
    });
  });

  it('maps handle ids through the org field values, falling back to stock severity ids', () => {
    const names: HandleNames = {
      severity_code: new Map([[77, 'Medium']]),
      incident_type_ids: new Map([[1019, 'Malware']]),
      resolution_id: new Map([[10, 'Resolved']]),
    };
    const a = toIncident({ id: 1, severity_code: 77, incident_type_ids: [1019], plan_status: 'A' }, 'k', names);
    expect(a).toMatchObject({ severity: 'Medium', incidentTypes: ['Malware'], state: 'open', occurrences: 1 });
    expect(toIncident({ id: 1, severity_code: 6 }, 'k', noNames).severity).toBe('High');
    expect(toIncident({ id: 1, severity_code: { id: 4, name: 'Low' } }, 'k', noNames).severity).toBe('Low');
  });

  it('keeps a bounded, duplicate-free Message-ID list', () => {
    expect(withMessageId(['<a>'], '<a>')).toBe('<a>');
    expect(withMessageId([], undefined)).toBe('');
    let list: string[] = [];
    for (let i = 0; i < MAX_MESSAGE_IDS + 7; i++) list = withMessageId(list, `<m${i}>`).split('\n');
    expect(list).toHaveLength(MAX_MESSAGE_IDS);
    expect(list[0]).toBe('<m7>');
    expect(list.at(-1)).toBe(`<m${MAX_MESSAGE_IDS + 6}>`);
    expect(messageIds({ properties: { sepm_message_ids: list.join('\n') } })).toEqual(list);
  });

  it('reads last-seen from the custom field, else the modification date', () => {
    expect(lastSeen({ properties: { sepm_last_seen: '123' }, inc_last_modified_date: 9 })).toBe(123);
    expect(lastSeen({ properties: {}, inc_last_modified_date: 9 })).toBe(9);
  });

  it('builds the create body with handles by name and the internal fields', () => {
    const body = newIncidentBody(
      {
        dedupKey: 'k',
        name: 'n',
        description: 'd',
        descriptionFormat: 'text',
        discoveredDate: 5,
        severity: 'Medium',
        incidentTypes: ['Malware'],
        properties: { sepm_server: 's' },
        artifacts: [],
      },
      'my_key',
      99,
      '<m>',
      [{ type: 37, value: 'C:\\x' }],
    );
    expect(body).toEqual({
      name: 'n',
      description: { format: 'text', content: 'd' },
      discovered_date: 5,
      plan_status: 'A',
      severity_code: 'Medium',
      incident_type_ids: ['Malware'],
      properties: { sepm_server: 's', my_key: 'k', sepm_occurrences: 1, sepm_last_seen: 99, sepm_message_ids: '<m>' },
      artifacts: [{ type: 37, value: 'C:\\x' }],
    });
  });

  it('unwraps array answers and table cells', () => {
    expect(unwrapOne([{ id: 1 }, { id: 2 }])).toEqual({ id: 1 });
    expect(unwrapOne(null)).toEqual({});
    expect(
      toRow({ id: 4, cells: { a: { id: 'a', row_id: 4, value: 1 }, b: { value: null }, c: { value: true } } }),
    ).toEqual({
      id: 4,
      cells: { a: 1, b: null, c: true },
    });
  });
});
