/**
 * The one HTML escaper: `& < > " ' \`` become entities, so a value is inert in element text and in quoted
 * attribute values (the backtick closes unquoted attributes in old IE-era parsers). Every mail-derived value
 * that reaches HTML — the review UI and the incident description — goes through here.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}
