/**
 * Source buffers and positions. A buffer is one file as read (or stdin); cpp line markers inside it remap its
 * physical lines to the logical file and line the user wrote, so diagnostics point at the original source.
 */

export interface SourcePos {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

interface LineMarker {
  physLine: number; // the line holding the marker; lines after it are renumbered
  file: string;
  line: number; // logical number of the line following the marker
}

export class SourceBuffer {
  private readonly markers: LineMarker[] = [];
  private lineStarts: number[] | undefined;

  constructor(
    readonly id: number,
    readonly path: string,
    readonly text: string,
  ) {}

  /** Records a `# N "file"` marker found on physical line `physLine`. */
  addLineMarker(physLine: number, file: string, line: number): void {
    this.markers.push({ physLine, file, line });
  }

  /** Maps a physical position (1-based line and column) to the position the user sees. */
  locate(physLine: number, column: number): SourcePos {
    for (let k = this.markerBefore(physLine), m = this.markers[k]; m; m = this.markers[--k]) {
      const line = m.line + (physLine - m.physLine - 1);
      // `#line 0 ""` is accepted, as GCC accepts it, but names no place anyone can open: count on from the
      // marker before it instead, so that every diagnostic still has a file, a line and a column.
      if (m.file !== '' && line >= 1) return { file: m.file, line, column };
    }
    return { file: this.path, line: physLine, column };
  }

  /** The physical position of a character offset. */
  positionOf(offset: number): { line: number; column: number } {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** The text of a physical line (1-based), without its line break. */
  lineText(physLine: number): string {
    const starts = this.starts();
    const start = starts[physLine - 1];
    if (start === undefined) return '';
    const next = starts[physLine];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  private starts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      const t = this.text;
      for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }

  /** The index of the last marker above `physLine`, or -1. */
  private markerBefore(physLine: number): number {
    const ms = this.markers;
    const [first] = ms;
    if (!first || first.physLine >= physLine) return -1;
    let lo = 0;
    let hi = ms.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ms[mid]!.physLine < physLine) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * A place in a buffer: where a token starts and how long it is. Chevrotain tokens have exactly this shape (the
 * buffer rides in their payload), so the tree keeps tokens as references without allocating anything per node.
 */
export interface SourceRef {
  payload?: unknown;
  startLine?: number | undefined;
  startColumn?: number | undefined;
  image: string;
}

/** A reference to a position that has no token (a lexer error, the start of a file). */
export function pointAt(buf: SourceBuffer, line: number, column: number, image = ' '): SourceRef {
  return { payload: buf, startLine: line, startColumn: column, image };
}

/** Resolves a reference to what the user sees, plus the physical line text for a caret display. */
export function describe(ref: SourceRef): SourcePos & { text: string; length: number } {
  const buf = ref.payload as SourceBuffer;
  const line = ref.startLine ?? 1;
  const pos = buf.locate(line, ref.startColumn ?? 1);
  // Only the first line of a multi-line token (a string, a comment) is shown under the caret.
  const nl = ref.image.indexOf('\n');
  return { ...pos, text: buf.lineText(line), length: nl < 0 ? ref.image.length : nl };
}
