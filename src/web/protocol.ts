/**
 * The messages of the page's WebSocket, as JSON. The server sends the host (once), the state of the guests and
 * the timeline (a few times a second while guests run, and after each operation), console bytes (base64, as the
 * guest wrote them) and operation results. The page sends typed keys and operations. What the page sends is
 * checked here: anything else is an error message back, never a crash.
 */
import type { HostView, StateView } from './view-state.js';
import type { TimelineView } from './timeline.js';

/** The guest operations the page offers, as `guest <op> <guest>` shell commands. */
export const GUEST_OPS = ['kick', 'pause', 'resume', 'reset', 'halt', 'destroy'] as const;
export type GuestOp = (typeof GUEST_OPS)[number];

export type ServerMessage =
  | { readonly type: 'host'; readonly host: HostView }
  | { readonly type: 'state'; readonly state: StateView }
  | { readonly type: 'timeline'; readonly timeline: TimelineView }
  | { readonly type: 'console'; readonly vserial: string; readonly data: string; readonly replay?: boolean }
  | { readonly type: 'events'; readonly lines: readonly string[] }
  | { readonly type: 'result'; readonly id: number | null; readonly ok: boolean; readonly lines: readonly string[] }
  | { readonly type: 'error'; readonly message: string };

export type ClientMessage =
  | { readonly type: 'input'; readonly vserial: string; readonly data: string }
  | { readonly type: 'op'; readonly id: number | null; readonly op: GuestOp; readonly guest: string };

/** Guest names as the board's node names allow; anything else (spaces, `;`) never reaches the shell. */
const GUEST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.,+-]{0,63}$/;

export function isGuestOp(op: unknown): op is GuestOp {
  return typeof op === 'string' && (GUEST_OPS as readonly string[]).includes(op);
}

export function isGuestName(name: unknown): name is string {
  return typeof name === 'string' && GUEST_NAME.test(name);
}

/** A message from the page, or what is wrong with it. */
export function parseClientMessage(text: string): ClientMessage | string {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof m !== 'object' || m === null) return 'not an object';
  const o = m as Record<string, unknown>;
  if (o['type'] === 'input') {
    if (typeof o['vserial'] !== 'string' || typeof o['data'] !== 'string') return 'input needs vserial and data strings';
    return { type: 'input', vserial: o['vserial'], data: o['data'] };
  }
  if (o['type'] === 'op') {
    if (!isGuestOp(o['op'])) return `op must be one of ${GUEST_OPS.join(', ')}`;
    if (!isGuestName(o['guest'])) return 'op needs a guest name';
    const id = typeof o['id'] === 'number' && Number.isSafeInteger(o['id']) ? o['id'] : null;
    return { type: 'op', id, op: o['op'], guest: o['guest'] };
  }
  return 'type must be input or op';
}
