/**
 * Access tokens for one mailbox (RFC 6749 token endpoint): client credentials (Microsoft 365 app-only access) or a
 * refresh token (Gmail, any OAuth2 server). A token is reused while it has more than its margin left, so every
 * connection starts with one that is valid; `invalidate()` after the server refused a token forces a new one.
 */
export interface TokenProvider {
  token(): Promise<string>;
  invalidate(): void;
}
