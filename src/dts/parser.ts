/**
 * The DTS grammar of dtc 1.6 as a chevrotain parser producing the AST of ast.ts. The grammar is deliberately a
 * little wider than dtc's where that gives better messages (labels on any top-level item, properties after
 * subnodes); build.ts rejects those cases with a precise error instead of a bare "syntax error".
 */
import type { IToken, TokenType } from 'chevrotain';
import type { CellItem, DtsAst, Header, IntExpr, NodeBody, NodeItem, TopItem, ValuePart } from './ast.js';
import { parseExpression, type ExprBuilder, type Role } from './exprparse.js';
import { MAX_NODE_DEPTH, tooDeep } from './limits.js';
import * as T from './tokens.js';

const { createTokenInstance, EmbeddedActionsParser, EOF } = T.chevrotain;

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

  /**
   * A node body and every body nested in it, read in one loop with an explicit stack of open bodies (not by
   * recursion), so that deep trees cost no JavaScript stack here.
   */
  private bodyAlts?: { ALT: () => void }[];
  private bodyStack: NodeBody[] = [];
  body = this.RULE('body', (): NodeBody => {
    const open = this.CONSUME(T.LBrace);
    const outer: NodeBody = { open, items: [], close: open };
    const saved = this.bodyStack;
    const stack: NodeBody[] = (this.bodyStack = [outer]);
    this.MANY({
      GATE: () => stack.length > 0,
      DEF: () =>
        this.OR(
          (this.bodyAlts ??= [
            {
              ALT: () => {
                const close = this.CONSUME(T.RBrace);
                this.CONSUME(T.Semi);
                const b = this.bodyStack.pop();
                if (b) b.close = close;
              },
            },
            {
              ALT: () => {
                const item = this.SUBRULE(this.nodeItem);
                const st = this.bodyStack;
                st[st.length - 1]?.items.push(item);
                if (item.body) st.push(item.body);
              },
            },
          ]),
        ),
    });
    this.bodyStack = saved;
    if (stack.length > 0 || this.RECORDING_PHASE) {
      this.CONSUME2(T.RBrace);
      this.CONSUME2(T.Semi);
    }
    return outer;
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
                // The body's items and its closing brace are filled in by the enclosing body's loop.
                const open = this.CONSUME(T.LBrace);
                return { labels, omit, kind: 'node', name, body: { open, items: [], close: open }, start: start ?? name };
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
            const tok = this.CONSUME(T.ParenExpr);
            return folded.get(tok) ?? { kind: 'literal', tok };
          },
        },
      ]),
    ),
  );
}

let shared: DtsParser | undefined;

/** The expression each folded ParenExpr token stands for. */
const folded = new WeakMap<IToken, IntExpr>();

const BINARY_PREC = new Map<TokenType, number>([
  [T.OrOr, 1], [T.AndAnd, 2], [T.Pipe, 3], [T.Caret, 4], [T.Amp, 5], [T.EqEq, 6], [T.Ne, 6],
  [T.LAngle, 7], [T.RAngle, 7], [T.Le, 7], [T.Ge, 7], [T.LShift, 8], [T.RShift, 8],
  [T.Plus, 9], [T.Minus, 9], [T.Star, 10], [T.Slash, 10], [T.Percent, 10],
]);

function classify(t: IToken, wantOperand: boolean): Role {
  const tt = t.tokenType;
  if (wantOperand) {
    if (tt === T.Literal || tt === T.CharLiteral) return { role: 'operand' };
    if (tt === T.Minus || tt === T.Tilde || tt === T.Bang) return { role: 'prefix' };
    if (tt === T.LParen) return { role: 'open' };
    return { role: 'other' };
  }
  const prec = BINARY_PREC.get(tt);
  if (prec !== undefined) return { role: 'binary', prec };
  if (tt === T.Question) return { role: 'question' };
  if (tt === T.Colon) return { role: 'colon' };
  if (tt === T.RParen) return { role: 'close' };
  return { role: 'other' };
}

const buildIntExpr: ExprBuilder<IToken, IntExpr> = {
  leaf: (tok) => (tok.tokenType === T.CharLiteral ? { kind: 'char', tok } : { kind: 'literal', tok }),
  unary: (op, arg) => ({ kind: 'unary', op, arg }),
  binary: (op, left, right) => ({ kind: 'binary', op, left, right }),
  ternary: (tok, cond, then, otherwise) => ({ kind: 'ternary', tok, cond, then, else: otherwise }),
  paren: (open, close, expr) => ({ kind: 'paren', open, close, expr }),
};

export interface SyntaxError {
  token: IToken;
  message: string;
  /** The message is complete (not chevrotain's, to be condensed). */
  final?: boolean;
}

/**
 * Replaces every parenthesised expression with one ParenExpr token carrying its syntax tree, and checks node
 * nesting, so that the recursive-descent grammar never recurses on the input's nesting beyond limits.ts.
 */
function foldExpressions(tokens: IToken[]): { tokens: IToken[]; error?: SyntaxError } {
  let braces = 0;
  let out: IToken[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const tt = t.tokenType;
    if (tt === T.LBrace) {
      if (++braces > MAX_NODE_DEPTH + 1) return { tokens, error: { token: t, message: tooDeep('nodes', MAX_NODE_DEPTH), final: true } };
    } else if (tt === T.RBrace) braces--;
    else if (tt === T.LParen && tokens[i - 1]?.tokenType !== T.Incbin) {
      const r = parseExpression(tokens, i, true, classify, buildIntExpr, describeToken, {
        operand: 'a number, a character, "(" or a unary operator',
        operator: 'an operator or ")"',
      });
      if (!r.ok) {
        const at = tokens[r.at] ?? endOfInput();
        const message = at.tokenType === EOF ? 'unexpected end of input inside an expression' : `syntax error: ${r.message}`;
        return { tokens, error: { token: at, message, final: at.tokenType !== EOF } };
      }
      const tok = createTokenInstance(T.ParenExpr, t.image, t.startOffset, t.startOffset, t.startLine ?? NaN, t.startLine ?? NaN, t.startColumn ?? NaN, t.startColumn ?? NaN);
      tok.payload = t.payload;
      folded.set(tok, r.node);
      out ??= tokens.slice(0, i);
      out.push(tok);
      i = r.end - 1;
      continue;
    }
    out?.push(t);
  }
  return { tokens: out ?? tokens };
}

function describeToken(t: IToken | undefined): string {
  return t ? JSON.stringify(t.image) : 'end of input';
}

function endOfInput(): IToken {
  return createTokenInstance(EOF, '', NaN, NaN, NaN, NaN, NaN, NaN);
}

/** Parses a token stream; on a syntax error returns the first one (dtc stops at the first, too). */
export function parseTokens(tokens: IToken[]): { ast?: DtsAst; error?: SyntaxError } {
  const f = foldExpressions(tokens);
  if (f.error) return { error: f.error };
  shared ??= new DtsParser();
  shared.input = f.tokens;
  const ast = shared.file();
  const err = shared.errors[0];
  if (err) return { error: { token: err.token, message: err.message } };
  return { ast };
}
