import { describe, expect, it } from 'vitest';
import { escapeHtml, html, query } from '../../../../src/http/ui/html.ts';
import { descriptionText } from '../../../../src/http/ui/ui-layout.ts';

describe('html templating', () => {
  it('escapes every interpolated value, including inside arrays, but not nested templates', () => {
    const evil = `<script>alert("x")</script>'&\``;
    const out = html`<p title="${evil}">${evil}${[evil, html`<b>${evil}</b>`]}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;');
    expect(out).toContain('<b>&lt;script&gt;');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
    expect(escapeHtml('a"b')).toBe('a&quot;b');
  });

  it('builds query strings from defined values', () => {
    expect(query({ a: 'x y', b: undefined, c: '', d: 2 })).toBe('?a=x+y&d=2');
    expect(query({})).toBe('');
  });
});

describe('descriptionText', () => {
  it('turns the mapper HTML into plain text and decodes entities exactly once', () => {
    const desc =
      '<table><caption>Event</caption><tr><th>Risk name</th><td>&lt;script&gt;x&lt;/script&gt;</td></tr>' +
      '<tr><th>User</th><td>a&amp;lt;b &#65;&#x42;</td></tr></table>';
    expect(descriptionText(desc)).toBe('Event\nRisk name: <script>x</script>\nUser: a&lt;b AB');
    // The result is text: rendering it through html`` escapes it again.
    expect(html`${descriptionText(desc)}`.value).toContain('&lt;script&gt;x&lt;/script&gt;');
  });
});

describe('login redirect target', () => {
  it('allows local paths only', async () => {
    const { safeNext } = await import('../../../../src/http/ui/ui.ts');
    expect(safeNext('/incidents/4?jobs=a.b')).toBe('/incidents/4?jobs=a.b');
    expect(safeNext('/admin/queues/queue/sep?status=failed')).toBe('/admin/queues/queue/sep?status=failed');
    for (const bad of ['//evil.example', '/\\evil.example', '/\t/evil.example', 'https://evil.example', '', 42]) {
      expect(safeNext(bad)).toBe('/incidents');
    }
  });
});
