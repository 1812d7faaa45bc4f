/** Where a server listens (the GDB stub, a migration destination) or a client connects. */
export interface Endpoint {
  readonly host: string;
  /** 0 asks for a free port (the one taken is passed to `listening`). */
  readonly port: number;
}

/** `PORT`, `HOST:PORT` or QEMU's `tcp::PORT` / `tcp:HOST:PORT`; a text saying what is wrong otherwise. */
export function parseEndpoint(text: string, option: string): Endpoint | string {
  const m = /^(?:tcp:)?(?:([^:]*):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) return `${option}: "${text}" is not a port, HOST:PORT or tcp::PORT`;
  return { host: m[1] || '127.0.0.1', port };
}
