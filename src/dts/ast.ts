/**
 * The syntax tree of one DTS source, as written. Tokens are kept so that every later error can point at its
 * source. Semantics (merging, deletion, references) are applied by build.ts in source order, as dtc's parser
 * actions do.
 */
import type { IToken } from 'chevrotain';

export type IntExpr =
  | { kind: 'literal'; tok: IToken }
  | { kind: 'char'; tok: IToken }
  | { kind: 'unary'; op: IToken; arg: IntExpr }
  | { kind: 'binary'; op: IToken; left: IntExpr; right: IntExpr }
  | { kind: 'ternary'; tok: IToken; cond: IntExpr; then: IntExpr; else: IntExpr }
  | { kind: 'paren'; open: IToken; close: IToken; expr: IntExpr };

export type CellItem = { kind: 'int'; expr: IntExpr } | { kind: 'ref'; tok: IToken } | { kind: 'label'; tok: IToken };

export type ValuePart =
  | { kind: 'label'; tok: IToken }
  | { kind: 'string'; tok: IToken }
  | { kind: 'cells'; bits?: IToken; open: IToken; items: CellItem[] }
  | { kind: 'bytes'; open: IToken; items: IToken[] }
  | { kind: 'ref'; tok: IToken }
  | { kind: 'incbin'; tok: IToken; file: IToken; offset?: IntExpr; length?: IntExpr };

export interface NodeItem {
  labels: IToken[];
  /** `/omit-if-no-ref/` tokens before the name. */
  omit: IToken[];
  kind: 'prop' | 'node' | 'delprop' | 'delnode';
  name: IToken;
  /** For properties: value parts in order, with `,` separators implied between non-label parts. */
  value?: ValuePart[];
  body?: NodeBody;
  /** The token that starts this item (first label, keyword or name). */
  start: IToken;
}

export interface NodeBody {
  open: IToken;
  items: NodeItem[];
  close: IToken;
}

export type TopItem =
  | { kind: 'memreserve'; labels: IToken[]; tok: IToken; address: IntExpr; size: IntExpr }
  | { kind: 'root'; labels: IToken[]; tok: IToken; body: NodeBody }
  | { kind: 'ref'; labels: IToken[]; ref: IToken; body: NodeBody }
  | { kind: 'delete'; labels: IToken[]; tok: IToken; ref: IToken }
  | { kind: 'omit'; labels: IToken[]; tok: IToken; ref: IToken };

export interface Header {
  tok: IToken;
  plugin: boolean;
}

export interface DtsAst {
  headers: Header[];
  items: TopItem[];
}
