/**
 * An operator-precedence parser for C-style integer expressions, with explicit stacks instead of recursion, so
 * that `((((...))))`, `!!!!...1` or `1?1?1?...` thousands deep cost memory, not JavaScript stack. Used for DTS
 * cell expressions (parser.ts) and for cpp `#if` lines (cpp.ts); depth is bounded by limits.ts.
 *
 * Grammar (C's): unary prefix operators bind tightest, then left-associative binary operators by precedence,
 * then the right-associative `c ? a : b` (whose middle operand is a full expression), then the comma operator.
 */
import { MAX_EXPR_DEPTH, tooDeep } from './limits.js';

/** What a token is, given whether an operand or an operator is expected there. */
export type Role =
  | { role: 'operand' }
  | { role: 'prefix' }
  /** A left-associative binary operator; higher precedence binds tighter (1 is `||`). 0 is the comma operator. */
  | { role: 'binary'; prec: number }
  | { role: 'open' }
  | { role: 'close' }
  | { role: 'question' }
  | { role: 'colon' }
  | { role: 'other' };

export interface ExprBuilder<T, N> {
  leaf(t: T): N;
  unary(op: T, arg: N): N;
  binary(op: T, left: N, right: N): N;
  ternary(q: T, cond: N, then: N, otherwise: N): N;
  paren(open: T, close: T, inner: N): N;
}

export type ExprParse<N> = { ok: true; node: N; end: number } | { ok: false; message: string; at: number };

type Op<T> =
  | { k: 'unary'; t: T }
  | { k: 'bin'; t: T; prec: number }
  | { k: 'open'; t: T }
  | { k: 'q'; t: T }
  | { k: 'c'; t: T; q: T };

/**
 * Parses toks[start...]. With `paren`, toks[start] is an opening parenthesis and parsing ends after its match
 * (the result is the parenthesised expression); otherwise parsing runs to the end of toks.
 * `describe` names a token in messages; `expectedOperand`/`expectedOperator` say what would have fitted.
 */
export function parseExpression<T, N>(
  toks: readonly T[],
  start: number,
  paren: boolean,
  classify: (t: T, wantOperand: boolean) => Role,
  build: ExprBuilder<T, N>,
  describe: (t: T | undefined) => string,
  expected: { operand: string; operator: string },
): ExprParse<N> {
  const ops: Op<T>[] = [];
  const vals: N[] = [];
  let i = start;
  const fail = (message: string, at: number): ExprParse<N> => ({ ok: false, message, at });
  const unexpected = (at: number, want: string) => fail(`unexpected ${describe(toks[at])}, expected ${want}`, at);

  const reduceTop = (): void => {
    const op = ops.pop()!;
    if (op.k === 'unary') {
      vals.push(build.unary(op.t, vals.pop()!));
    } else if (op.k === 'bin') {
      const r = vals.pop()!;
      const l = vals.pop()!;
      vals.push(build.binary(op.t, l, r));
    } else if (op.k === 'c') {
      const e = vals.pop()!;
      const a = vals.pop()!;
      const c = vals.pop()!;
      vals.push(build.ternary(op.q, c, a, e));
    }
  };
  /** After an operand: apply the prefix operators waiting for it. */
  const operandDone = (): void => {
    while (ops.at(-1)?.k === 'unary') reduceTop();
  };
  /** Reduces binary operators of precedence >= prec, and finished ternaries when `ternaries`. */
  const reduceWhile = (prec: number, ternaries: boolean): void => {
    for (;;) {
      const top = ops[ops.length - 1];
      if (!top) return;
      if (top.k === 'bin' && top.prec >= prec) reduceTop();
      else if (top.k === 'c' && ternaries) reduceTop();
      else return;
    }
  };
  const push = (op: Op<T>, at: number): ExprParse<N> | undefined => {
    ops.push(op);
    return ops.length > MAX_EXPR_DEPTH ? fail(tooDeep('expression', MAX_EXPR_DEPTH), at) : undefined;
  };

  if (paren) {
    ops.push({ k: 'open', t: toks[start]! });
    i++;
  }
  let wantOperand = true;
  for (;;) {
    const t = toks[i];
    if (t === undefined) {
      if (wantOperand) return unexpected(i, expected.operand);
      if (paren) return unexpected(i, expected.operator);
      reduceWhile(-1, true);
      const top = ops[ops.length - 1];
      if (top?.k === 'q') return fail(`'?' without following ':'`, i);
      return { ok: true, node: vals.pop()!, end: i };
    }
    const r = classify(t, wantOperand);
    if (wantOperand) {
      if (r.role === 'operand') {
        vals.push(build.leaf(t));
        operandDone();
        wantOperand = false;
      } else if (r.role === 'prefix') {
        const e = push({ k: 'unary', t }, i);
        if (e) return e;
      } else if (r.role === 'open') {
        const e = push({ k: 'open', t }, i);
        if (e) return e;
      } else return unexpected(i, expected.operand);
      i++;
      continue;
    }
    switch (r.role) {
      case 'binary': {
        reduceWhile(r.prec, r.prec === 0);
        const e = push({ k: 'bin', t, prec: r.prec }, i);
        if (e) return e;
        wantOperand = true;
        break;
      }
      case 'question': {
        reduceWhile(1, false);
        const e = push({ k: 'q', t }, i);
        if (e) return e;
        wantOperand = true;
        break;
      }
      case 'colon': {
        reduceWhile(0, true);
        const top = ops[ops.length - 1];
        if (top?.k !== 'q') return unexpected(i, expected.operator);
        ops[ops.length - 1] = { k: 'c', t, q: top.t };
        wantOperand = true;
        break;
      }
      case 'close': {
        reduceWhile(0, true);
        const top = ops[ops.length - 1];
        if (top?.k === 'q') return fail(`'?' without following ':'`, i);
        if (top?.k !== 'open') return unexpected(i, expected.operator);
        ops.pop();
        vals.push(build.paren(top.t, t, vals.pop()!));
        operandDone();
        if (paren && ops.length === 0) return { ok: true, node: vals.pop()!, end: i + 1 };
        break;
      }
      default:
        return unexpected(i, expected.operator);
    }
    i++;
  }
}

/** A post-order walk without recursion: children before parents, each node's result from its children's. */
export function foldExpression<N, V>(root: N, children: (n: N) => readonly N[], combine: (n: N, kids: V[]) => V): V {
  const stack: { n: N; kids: readonly N[]; vals: V[] }[] = [{ n: root, kids: children(root), vals: [] }];
  let result: V | undefined;
  for (let top = stack.at(-1); top; top = stack.at(-1)) {
    const c = top.kids[top.vals.length];
    if (c !== undefined) { // a child not folded yet: it goes first
      stack.push({ n: c, kids: children(c), vals: [] });
      continue;
    }
    stack.pop();
    const v = combine(top.n, top.vals);
    const parent = stack[stack.length - 1];
    if (parent) parent.vals.push(v);
    else result = v;
  }
  return result as V;
}
