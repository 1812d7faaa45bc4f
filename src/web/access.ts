/**
 * Who may use the web view: whoever holds the random token printed with its URL. It is compared in constant
 * time, and read from the `X-Tsvisor-Token` header or the `token` query parameter (a browser's WebSocket
 * cannot send headers).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-tsvisor-token';

/** 128 bits from the system's CSPRNG, URL-safe. */
export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('token') ?? undefined;
}

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given), b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
