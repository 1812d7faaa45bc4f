/**
 * QEMU's `-rtc base=...` for the guest's real-time clock: `now` (or `utc`) is the host's time at start, a date
 * (`2026-01-01` or `2026-01-01T12:00:00`, UTC) is that time. Runs with a fixed date are identical run to run.
 */

/** The wall-clock time (ns since the Unix epoch) of guest time 0, or why the text is not a base. */
export function parseRtcBase(text: string, hostNowMs: number): bigint | string {
  const m = /^base=(.+)$/.exec(text.trim());
  if (!m) return `"${text}" is not base=now or base=DATE`;
  const base = m[1]!;
  if (base === 'now' || base === 'utc') return BigInt(Math.floor(hostNowMs)) * 1_000_000n;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.test(base)) return `"${base}" is not now or a date YYYY-MM-DD[THH:MM[:SS]]`;
  const ms = Date.parse(base.includes('T') ? `${base}Z` : `${base}T00:00:00Z`);
  if (Number.isNaN(ms)) return `"${base}" is not a valid date`;
  return BigInt(ms) * 1_000_000n;
}
