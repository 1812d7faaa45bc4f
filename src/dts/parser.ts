/**
 * The DTS grammar of dtc 1.6 as a chevrotain parser producing the AST of ast.ts. The grammar is deliberately a
 * little wider than dtc's where that gives better messages (labels on any top-level item, properties after
 * subnodes); build.ts rejects those cases with a precise error instead of a bare "syntax error".
 */
import { EmbeddedActionsParser, EOF, type IToken, type TokenType } from 'chevrotain';
import type { CellItem, DtsAst, Header, IntExpr, NodeBody, NodeItem, TopItem, ValuePart } from './ast.js';
import * as T from './tokens.js';

class DtsParser extends EmbeddedActionsParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: false, maxLookahead: 2, skipValidations: true });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', (): DtsAst => {
    const headers: Header[] = [];
    const items: TopItem[] = [];
    this.MANY(() => headers.push(this.SUBRULE(this.header)));
    this.MANY2(() => items.push(this.SUBRULE(this.topItem)));
    this.CONSUME(EOF);
    return { headers, items };
  });

  header = this.RULE('header', (): Header => {
    const tok = this.OR([{ ALT: () => this.CONSUME(T.DtsV1) }, { ALT: () => this.CONSUME(T.Plugin) }]);
    this.CONSUME(T.Semi);
    return { tok, plugin: tok.tokenType === T.Plugin };
  });

  topItem = this.RULE('topItem', (): TopItem => {
    const labels: IToken[] = [];
    this.MANY(() => labels.push(this.CONSUME(T.Label)));
    return this.OR([
      {
        ALT: (): TopItem => {
          const tok = this.CONSUME(T.MemReserve);
          const address = this.SUBRULE(this.prim);
          const size = this.SUBRULE2(this.prim);
          this.CONSUME(T.Semi);
          return { kind: 'memreserve', labels, tok, address, size };
        },
      },
      {
        ALT: (): TopItem => {
          const tok = this.CONSUME(T.Slash);
          const body = this.SUBRULE(this.body);
          return { kind: 'root', labels, tok, body };
        },
      },
      {
        ALT: (): TopItem => {
          const ref = this.SUBRULE(this.ref);
          const body = this.SUBRULE2(this.body);
          return { kind: 'ref', labels, ref, body };
        },
      },
      {
        ALT: (): TopItem => {
          const tok = this.CONSUME(T.DelNode);
          const ref = this.SUBRULE3(this.ref);
          this.CONSUME2(T.Semi);
          return { kind: 'delete', labels, tok, ref };
        },
      },
      {
        ALT: (): TopItem => {
          const tok = this.CONSUME(T.OmitIfNoRef);
          const ref = this.SUBRULE4(this.ref);
          this.CONSUME3(T.Semi);
          return { kind: 'omit', labels, tok, ref };
        },
      },
    ]);
  });

  private refAlts?: { ALT: () => IToken }[];
  ref = this.RULE('ref', (): IToken => this.OR((this.refAlts ??= [{ ALT: () => this.CONSUME(T.LabelRef) }, { ALT: () => this.CONSUME(T.PathRef) }])));

  body = this.RULE('body', (): NodeBody => {
    const open = this.CONSUME(T.LBrace);
    const items: NodeItem[] = [];
    this.MANY(() => items.push(this.SUBRULE(this.nodeItem)));
    const close = this.CONSUME(T.RBrace);
    this.CONSUME(T.Semi);
    return { open, items, close };
  });

  nodeItem = this.RULE('nodeItem', (): NodeItem => {
    const labels: IToken[] = [];
    const omit: IToken[] = [];
    let start: IToken | undefined;
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            const t = this.CONSUME(T.Label);
            labels.push(t);
            start ??= t;
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.OmitIfNoRef);
            omit.push(t);
            start ??= t;
          },
        },
      ]),
    );
    return this.OR2([
      {
        ALT: (): NodeItem => {
          const name = this.CONSUME(T.Name);
          return this.OR3([
            {
              ALT: (): NodeItem => {
                const body = this.SUBRULE(this.body);
                return { labels, omit, kind: 'node', name, body, start: start ?? name };
              },
            },
            {
              ALT: (): NodeItem => {
                this.CONSUME(T.Equals);
                const value = this.SUBRULE(this.propValue);
                this.CONSUME(T.Semi);
                return { labels, omit, kind: 'prop', name, value, start: start ?? name };
              },
            },
            {
              ALT: (): NodeItem => {
                this.CONSUME2(T.Semi);
                return { labels, omit, kind: 'prop', name, value: [], start: start ?? name };
              },
            },
          ]);
        },
      },
      {
        ALT: (): NodeItem => {
          const kw = this.CONSUME(T.DelProp);
          const name = this.CONSUME2(T.Name);
          this.CONSUME3(T.Semi);
          return { labels, omit, kind: 'delprop', name, start: start ?? kw };
        },
      },
      {
        ALT: (): NodeItem => {
          const kw = this.CONSUME(T.DelNode);
          const name = this.CONSUME3(T.Name);
          this.CONSUME4(T.Semi);
          return { labels, omit, kind: 'delnode', name, start: start ?? kw };
        },
      },
    ]);
  });

  /** Labels may sit before, between and after the comma-separated parts. */
  propValue = this.RULE('propValue', (): ValuePart[] => {
    const parts: ValuePart[] = [];
    this.MANY(() => parts.push({ kind: 'label', tok: this.CONSUME(T.Label) }));
    parts.push(this.SUBRULE(this.valuePart));
    this.MANY2(() =>
      this.OR([
        { ALT: () => parts.push({ kind: 'label', tok: this.CONSUME2(T.Label) }) },
        {
          ALT: () => {
            this.CONSUME(T.Comma);
            this.MANY3(() => parts.push({ kind: 'label', tok: this.CONSUME3(T.Label) }));
            parts.push(this.SUBRULE2(this.valuePart));
          },
        },
      ]),
    );
    return parts;
  });

  valuePart = this.RULE('valuePart', (): ValuePart =>
    this.OR([
      { ALT: (): ValuePart => ({ kind: 'string', tok: this.CONSUME(T.StringLit) }) },
      { ALT: (): ValuePart => this.SUBRULE(this.cells) },
      {
        ALT: (): ValuePart => {
          const open = this.CONSUME(T.LBracket);
          const items: IToken[] = [];
          this.MANY(() => this.OR2([{ ALT: () => items.push(this.CONSUME(T.Byte)) }, { ALT: () => items.push(this.CONSUME(T.Label)) }]));
          this.CONSUME(T.RBracket);
          return { kind: 'bytes', open, items };
        },
      },
      { ALT: (): ValuePart => ({ kind: 'ref', tok: this.SUBRULE(this.ref) }) },
      {
        ALT: (): ValuePart => {
          const tok = this.CONSUME(T.Incbin);
          this.CONSUME(T.LParen);
          const file = this.CONSUME2(T.StringLit);
          let offset: IntExpr | undefined;
          let length: IntExpr | undefined;
          this.OPTION(() => {
            this.CONSUME(T.Comma);
            offset = this.SUBRULE(this.prim);
            this.CONSUME2(T.Comma);
            length = this.SUBRULE2(this.prim);
          });
          this.CONSUME(T.RParen);
          const part: ValuePart = { kind: 'incbin', tok, file };
          if (offset && length) {
            part.offset = offset;
            part.length = length;
          }
          return part;
        },
      },
    ]),
  );

  cells = this.RULE('cells', (): ValuePart => {
    let bits: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Bits);
      bits = this.CONSUME(T.Literal);
    });
    const open = this.CONSUME(T.LAngle);
    const items: CellItem[] = [];
    this.MANY(() => items.push(this.SUBRULE(this.cellItem)));
    this.CONSUME(T.RAngle);
    return bits ? { kind: 'cells', bits, open, items } : { kind: 'cells', open, items };
  });

  // The hot rules below keep their alternatives in fields: chevrotain would otherwise allocate the array and its
  // closures on every call, which dominated parsing time on large trees.
  private cellAlts?: { ALT: () => CellItem }[];
  cellItem = this.RULE('cellItem', (): CellItem =>
    this.OR(
      (this.cellAlts ??= [
        { ALT: (): CellItem => ({ kind: 'int', expr: this.SUBRULE(this.prim) }) },
        { ALT: (): CellItem => ({ kind: 'ref', tok: this.SUBRULE(this.ref) }) },
        { ALT: (): CellItem => ({ kind: 'label', tok: this.CONSUME(T.Label) }) },
      ]),
    ),
  );

  private primAlts?: { ALT: () => IntExpr }[];
  prim = this.RULE('prim', (): IntExpr =>
    this.OR(
      (this.primAlts ??= [
        { ALT: (): IntExpr => ({ kind: 'literal', tok: this.CONSUME(T.Literal) }) },
        { ALT: (): IntExpr => ({ kind: 'char', tok: this.CONSUME(T.CharLiteral) }) },
        {
          ALT: (): IntExpr => {
            const open = this.CONSUME(T.LParen);
            const expr = this.SUBRULE(this.expr);
            const close = this.CONSUME(T.RParen);
            return { kind: 'paren', open, close, expr };
          },
        },
      ]),
    ),
  );

  expr = this.RULE('expr', (): IntExpr => {
    const cond = this.SUBRULE(this.orExpr);
    return this.OR([
      {
        ALT: (): IntExpr => {
          const tok = this.CONSUME(T.Question);
          const then = this.SUBRULE(this.expr);
          this.CONSUME(T.Colon);
          const otherwise = this.SUBRULE2(this.expr);
          return { kind: 'ternary', tok, cond, then, else: otherwise };
        },
      },
      { ALT: (): IntExpr => cond },
    ]);
  });

  private binary(name: string, ops: TokenType[], next: () => IntExpr) {
    return this.RULE(name, (): IntExpr => {
      let left = next();
      this.MANY(() => {
        const op = this.OR(ops.map((t) => ({ ALT: () => this.CONSUME(t) })));
        const right = next();
        left = { kind: 'binary', op, left, right };
      });
      return left;
    });
  }

  unary: () => IntExpr = this.RULE('unary', (): IntExpr =>
    this.OR([
      {
        ALT: (): IntExpr => {
          const op = this.OR2([{ ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Tilde) }, { ALT: () => this.CONSUME(T.Bang) }]);
          const arg = this.SUBRULE(this.unary);
          return { kind: 'unary', op, arg };
        },
      },
      { ALT: (): IntExpr => this.SUBRULE(this.prim) },
    ]),
  );
  mulExpr = this.binary('mulExpr', [T.Star, T.Slash, T.Percent], () => this.SUBRULE(this.unary));
  addExpr = this.binary('addExpr', [T.Plus, T.Minus], () => this.SUBRULE(this.mulExpr));
  shiftExpr = this.binary('shiftExpr', [T.LShift, T.RShift], () => this.SUBRULE(this.addExpr));
  relExpr = this.binary('relExpr', [T.LAngle, T.RAngle, T.Le, T.Ge], () => this.SUBRULE(this.shiftExpr));
  eqExpr = this.binary('eqExpr', [T.EqEq, T.Ne], () => this.SUBRULE(this.relExpr));
  bitandExpr = this.binary('bitandExpr', [T.Amp], () => this.SUBRULE(this.eqExpr));
  bitxorExpr = this.binary('bitxorExpr', [T.Caret], () => this.SUBRULE(this.bitandExpr));
  bitorExpr = this.binary('bitorExpr', [T.Pipe], () => this.SUBRULE(this.bitxorExpr));
  andExpr = this.binary('andExpr', [T.AndAnd], () => this.SUBRULE(this.bitorExpr));
  orExpr = this.binary('orExpr', [T.OrOr], () => this.SUBRULE(this.andExpr));
}

let shared: DtsParser | undefined;

export interface SyntaxError {
  token: IToken;
  message: string;
}

/** Deeper nesting than any real tree uses; the recursive-descent parser's stack is the limit being guarded. */
const MAX_NODE_DEPTH = 256;
const MAX_PAREN_DEPTH = 64;

function checkNesting(tokens: IToken[]): SyntaxError | undefined {
  let braces = 0;
  let parens = 0;
  for (const t of tokens) {
    const tt = t.tokenType;
    if (tt === T.LBrace && ++braces > MAX_NODE_DEPTH) return { token: t, message: `nodes nested more than ${MAX_NODE_DEPTH} deep` };
    if (tt === T.LParen && ++parens > MAX_PAREN_DEPTH) return { token: t, message: `parentheses nested more than ${MAX_PAREN_DEPTH} deep` };
    if (tt === T.RBrace) braces--;
    else if (tt === T.RParen) parens--;
    else if (tt === T.Semi || tt === T.RAngle) parens = 0;
  }
  return undefined;
}

/** Parses a token stream; on a syntax error returns the first one (dtc stops at the first, too). */
export function parseTokens(tokens: IToken[]): { ast?: DtsAst; error?: SyntaxError } {
  const tooDeep = checkNesting(tokens);
  if (tooDeep) return { error: tooDeep };
  shared ??= new DtsParser();
  shared.input = tokens;
  const ast = shared.file();
  const err = shared.errors[0];
  if (err) return { error: { token: err.token, message: err.message } };
  return { ast };
}
