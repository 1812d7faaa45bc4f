/**
 * The files the page is made of: its HTML, style and script (src/web/page-*.ts), and xterm.js's browser build and
 * style from the installed @xterm/xterm package (no CDN: the page works with no network). They are read once.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PAGE_HTML } from './page-html.js';
import { PAGE_CSS } from './page-css.js';
import { PAGE_SCRIPT } from './page-script.js';

export interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Files under /assets/, by name; the page itself is `index.html`. Throws if @xterm/xterm is not installed. */
export function staticFiles(): Map<string, StaticFile> {
  const require = createRequire(import.meta.url);
  const xterm = (path: string): Buffer => readFileSync(require.resolve(`@xterm/xterm/${path}`));
  return new Map([
    ['index.html', { type: 'text/html; charset=utf-8', body: Buffer.from(PAGE_HTML) }],
    ['view.css', { type: CSS, body: Buffer.from(PAGE_CSS) }],
    ['view.js', { type: JS, body: Buffer.from(PAGE_SCRIPT) }],
    ['xterm.js', { type: JS, body: xterm('lib/xterm.js') }],
    ['xterm.css', { type: CSS, body: xterm('css/xterm.css') }],
  ]);
}
