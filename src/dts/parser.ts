/**
 * The DTS grammar of dtc 1.6, producing the AST of ast.ts: parsed by hand (handParse), and as a chevrotain parser
 * for the input that does not parse, whose errors are chevrotain's (condensed by compile.ts). The grammar is deliberately a
 * little wider than dtc's where that gives better messages (labels on any top-level item, properties after
 * subnodes); build.ts rejects those cases with a precise error instead of a bare "syntax error".
 */
import type { IToken, TokenType } from 'chevrotain';
import type { CellItem, DtsAst, Header, IntExpr, NodeBody, NodeItem, TopItem, ValuePart } from './ast.js';
import { parseExpression, type ExprBuilder, type Role } from './exprparse.js';
import { MAX_NODE_DEPTH, tooDeep } from './limits.js';
import * as T from './tokens.js';

/** The chevrotain grammar's parser, built on first use (~20 ms to analyse the grammar): it reports syntax errors. */
export interface ChevrotainParser {
  input: IToken[];
  file(): DtsAst;
  errors: { token: IToken; message: string }[];
}

/**
 * The grammar as a chevrotain parser. Well-formed input is parsed by handParse() below, which accepts the same
 * language and builds the same AST; this one runs only when that fails, to report the error as chevrotain does.
 * `validate` (the tests) has chevrotain check the grammar too.
 */
export function chevrotainParser(validate = false): ChevrotainParser {
  const { EmbeddedActionsParser, EOF } = T.chevrotainRuntime();
  class DtsParser extends EmbeddedActionsParser {
    constructor() {
      super(T.allTokens, { recoveryEnabled: false, maxLookahead: 2, skipValidations: !validate });
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
  return new DtsParser();
}

let shared: ChevrotainParser | undefined;

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
export function foldExpressions(tokens: IToken[]): { tokens: IToken[]; error?: SyntaxError } {
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
        const message = at.tokenType === T.EndOfInput ? 'unexpected end of input inside an expression' : `syntax error: ${r.message}`;
        return { tokens, error: { token: at, message, final: at.tokenType !== T.EndOfInput } };
      }
      const tok = tokenInstance(T.ParenExpr, t.image, t.startOffset, t.startLine ?? NaN, t.startColumn ?? NaN);
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

/** A token as chevrotain's createTokenInstance makes it, starting and ending at one place. */
function tokenInstance(type: TokenType, image: string, offset: number, line: number, column: number): IToken {
  return { image, startOffset: offset, endOffset: offset, startLine: line, endLine: line, startColumn: column, endColumn: column, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type };
}

function endOfInput(): IToken {
  return tokenInstance(T.EndOfInput, '', NaN, NaN, NaN);
}

/** Parses a token stream; on a syntax error returns the first one (dtc stops at the first, too). */
export function parseTokens(tokens: IToken[]): { ast?: DtsAst; error?: SyntaxError } {
  const f = foldExpressions(tokens);
  if (f.error) return { error: f.error };
  const ast = handParse(f.tokens);
  if (ast) return { ast };
  shared ??= chevrotainParser();
  // Tokens lexed before chevrotain was loaded lack the index it matches token types by.
  for (const t of f.tokens) t.tokenTypeIdx = t.tokenType.tokenTypeIdx!;
  shared.input = f.tokens;
  const parsed = shared.file();
  const err = shared.errors[0];
  if (err) return { error: { token: err.token, message: err.message } };
  return { ast: parsed };
}

/** The hand parser gave up: the input does not fit the grammar (chevrotain's parser then says where and why). */
const noParse = new Error('not parsed');

/**
 * The grammar of DtsParser, by hand: the same language (it is LL(1): one token decides every choice) and the same
 * AST, without chevrotain. Returns undefined for input it does not accept.
 */
export function handParse(tokens: readonly IToken[]): DtsAst | undefined {
  let pos = 0;
  const peek = (): TokenType | undefined => tokens[pos]?.tokenType;
  const consume = (type: TokenType): IToken => {
    const t = tokens[pos];
    if (t?.tokenType !== type) throw noParse;
    pos++;
    return t;
  };
  const isRef = (tt: TokenType | undefined) => tt === T.LabelRef || tt === T.PathRef;
  const ref = (): IToken => {
    const t = tokens[pos];
    if (!t || !isRef(t.tokenType)) throw noParse;
    pos++;
    return t;
  };
  const prim = (): IntExpr => {
    const t = tokens[pos];
    const tt = t?.tokenType;
    if (tt === T.Literal) {
      pos++;
      return { kind: 'literal', tok: t! };
    }
    if (tt === T.CharLiteral) {
      pos++;
      return { kind: 'char', tok: t! };
    }
    if (tt === T.ParenExpr) {
      pos++;
      return folded.get(t!) ?? { kind: 'literal', tok: t! };
    }
    throw noParse;
  };
  const cells = (): ValuePart => {
    let bits: IToken | undefined;
    if (peek() === T.Bits) {
      pos++;
      bits = consume(T.Literal);
    }
    const open = consume(T.LAngle);
    const items: CellItem[] = [];
    for (;;) {
      const tt = peek();
      if (tt === T.Literal || tt === T.CharLiteral || tt === T.ParenExpr) items.push({ kind: 'int', expr: prim() });
      else if (isRef(tt)) items.push({ kind: 'ref', tok: ref() });
      else if (tt === T.Label) items.push({ kind: 'label', tok: tokens[pos++]! });
      else break;
    }
    consume(T.RAngle);
    return bits ? { kind: 'cells', bits, open, items } : { kind: 'cells', open, items };
  };
  const valuePart = (): ValuePart => {
    const tt = peek();
    if (tt === T.StringLit) return { kind: 'string', tok: tokens[pos++]! };
    if (tt === T.Bits || tt === T.LAngle) return cells();
    if (tt === T.LBracket) {
      const open = tokens[pos++]!;
      const items: IToken[] = [];
      while (peek() === T.Byte || peek() === T.Label) items.push(tokens[pos++]!);
      consume(T.RBracket);
      return { kind: 'bytes', open, items };
    }
    if (isRef(tt)) return { kind: 'ref', tok: ref() };
    if (tt === T.Incbin) {
      const tok = tokens[pos++]!;
      consume(T.LParen);
      const file = consume(T.StringLit);
      let offset: IntExpr | undefined;
      let length: IntExpr | undefined;
      if (peek() === T.Comma) {
        pos++;
        offset = prim();
        consume(T.Comma);
        length = prim();
      }
      consume(T.RParen);
      const part: ValuePart = { kind: 'incbin', tok, file };
      if (offset && length) {
        part.offset = offset;
        part.length = length;
      }
      return part;
    }
    throw noParse;
  };
  const propValue = (): ValuePart[] => {
    const parts: ValuePart[] = [];
    while (peek() === T.Label) parts.push({ kind: 'label', tok: tokens[pos++]! });
    parts.push(valuePart());
    for (;;) {
      const tt = peek();
      if (tt === T.Label) parts.push({ kind: 'label', tok: tokens[pos++]! });
      else if (tt === T.Comma) {
        pos++;
        while (peek() === T.Label) parts.push({ kind: 'label', tok: tokens[pos++]! });
        parts.push(valuePart());
      } else break;
    }
    return parts;
  };
  const nodeItem = (): NodeItem => {
    const labels: IToken[] = [];
    const omit: IToken[] = [];
    let start: IToken | undefined;
    for (let t = tokens[pos]; t?.tokenType === T.Label || t?.tokenType === T.OmitIfNoRef; t = tokens[++pos]) {
      (t.tokenType === T.Label ? labels : omit).push(t);
      start ??= t;
    }
    const tt = peek();
    if (tt === T.Name) {
      const name = tokens[pos++]!;
      const next = peek();
      if (next === T.LBrace) {
        const open = tokens[pos++]!;
        return { labels, omit, kind: 'node', name, body: { open, items: [], close: open }, start: start ?? name };
      }
      if (next === T.Equals) {
        pos++;
        const value = propValue();
        consume(T.Semi);
        return { labels, omit, kind: 'prop', name, value, start: start ?? name };
      }
      if (next === T.Semi) {
        pos++;
        return { labels, omit, kind: 'prop', name, value: [], start: start ?? name };
      }
      throw noParse;
    }
    if (tt === T.DelProp || tt === T.DelNode) {
      const kw = tokens[pos++]!;
      const name = consume(T.Name);
      consume(T.Semi);
      return { labels, omit, kind: tt === T.DelProp ? 'delprop' : 'delnode', name, start: start ?? kw };
    }
    throw noParse;
  };
  const body = (): NodeBody => {
    const open = consume(T.LBrace);
    const outer: NodeBody = { open, items: [], close: open };
    const stack: NodeBody[] = [outer];
    while (stack.length > 0) {
      if (peek() === T.RBrace) {
        const close = tokens[pos++]!;
        consume(T.Semi);
        stack.pop()!.close = close;
      } else {
        const item = nodeItem();
        stack[stack.length - 1]!.items.push(item);
        if (item.body) stack.push(item.body);
      }
    }
    return outer;
  };
  const topItem = (): TopItem => {
    const labels: IToken[] = [];
    while (peek() === T.Label) labels.push(tokens[pos++]!);
    const tt = peek();
    if (tt === T.MemReserve) {
      const tok = tokens[pos++]!;
      const address = prim();
      const size = prim();
      consume(T.Semi);
      return { kind: 'memreserve', labels, tok, address, size };
    }
    if (tt === T.Slash) {
      const tok = tokens[pos++]!;
      return { kind: 'root', labels, tok, body: body() };
    }
    if (isRef(tt)) {
      const r = ref();
      return { kind: 'ref', labels, ref: r, body: body() };
    }
    if (tt === T.DelNode || tt === T.OmitIfNoRef) {
      const tok = tokens[pos++]!;
      const r = ref();
      consume(T.Semi);
      return tt === T.DelNode ? { kind: 'delete', labels, tok, ref: r } : { kind: 'omit', labels, tok, ref: r };
    }
    throw noParse;
  };
  try {
    const headers: Header[] = [];
    const items: TopItem[] = [];
    while (peek() === T.DtsV1 || peek() === T.Plugin) {
      const tok = tokens[pos++]!;
      consume(T.Semi);
      headers.push({ tok, plugin: tok.tokenType === T.Plugin });
    }
    const topStart = new Set<TokenType>([T.Label, T.MemReserve, T.Slash, T.LabelRef, T.PathRef, T.DelNode, T.OmitIfNoRef]);
    while (pos < tokens.length && topStart.has(tokens[pos]!.tokenType)) items.push(topItem());
    if (pos !== tokens.length) return undefined;
    return { headers, items };
  } catch (e) {
    if (e === noParse) return undefined;
    throw e;
  }
}
