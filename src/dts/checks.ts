/**
 * dtc's checks: a table of small functions run over the tree in dtc's order, each with dtc's name and default
 * severity. Some are fix-ups that change the tree (resolving references, deleting redundant `name` properties,
 * dropping unreferenced /omit-if-no-ref/ nodes) and so decide the output bytes. The error checks and fix-ups are
 * here; dtc's semantic (mostly warning) checks are in warnings.ts and slot into the table after the fix-ups.
 */
import { cString } from './bytes.js';
import type { Marker } from './data.js';
import type { DiagnosticSink } from './diagnostics.js';
import { RefIndex } from './lookup.js';
import { phandleIsValid, type Phandles } from './phandles.js';
import type { SourceRef } from './source.js';
import { deleteNode, walk, type DeviceTree, type Node, type Property } from './tree.js';
import { semanticChecks, type CheckState } from './warnings.js';

export type Level = 'error' | 'warning' | 'off';

export interface CheckContext {
  tree: DeviceTree;
  diags: DiagnosticSink;
  phandles: Phandles;
  /** -@: labelled nodes are kept for __symbols__ even when /omit-if-no-ref/ and unreferenced. */
  symbols: boolean;
  /** Label lookups, rebuilt after anything deletes nodes. */
  refs?: RefIndex;
  /** Where each label is first defined, for duplicate_label. */
  labelOwners?: LabelOwners;
  /** What the semantic checks record about nodes (cells, bus kinds) for the checks after them. */
  state?: CheckState;
}

function resolve(ctx: CheckContext, ref: string) {
  ctx.refs ??= new RefIndex(ctx.tree.root);
  return ctx.refs.resolve(ref);
}

export interface Check {
  name: string;
  level: Level;
  prereqs: string[];
  /** Fix-ups change the tree, so they run (silently) even when switched off with -W/-E no-. */
  fixup?: boolean;
  node: (c: Failer, ctx: CheckContext, n: Node) => void;
}

export interface Failer {
  fail(n: Node, prop: Property | undefined, message: string, at?: SourceRef): void;
}

const NODE_CHARS = /^[a-zA-Z0-9,._+@-]*/;
const PROP_CHARS = /^[a-zA-Z0-9,._+*#?-]*/;

function firstBad(name: string, ok: RegExp): number {
  const n = ok.exec(name)![0].length;
  return n < name.length ? n : -1;
}

const table: Check[] = [
  {
    name: 'duplicate_node_names',
    level: 'error',
    prereqs: [],
    node: (c, _ctx, n) => {
      const kids = n.children;
      for (const [i, kid] of kids.entries()) {
        if (kid.deleted) continue;
        for (const later of kids.slice(i + 1)) if (later.name === kid.name) c.fail(later, undefined, 'Duplicate node name');
      }
    },
  },
  {
    name: 'duplicate_property_names',
    level: 'error',
    prereqs: [],
    node: (c, _ctx, n) => {
      const ps = n.props;
      for (const [i, p] of ps.entries()) {
        if (p.deleted) continue;
        for (const later of ps.slice(i + 1)) if (!later.deleted && later.name === p.name) c.fail(n, p, 'Duplicate property name', later.src);
      }
    },
  },
  {
    name: 'node_name_chars',
    level: 'error',
    prereqs: [],
    node: (c, _ctx, n) => {
      const bad = firstBad(n.name, NODE_CHARS);
      if (bad >= 0) c.fail(n, undefined, `Bad character '${n.name[bad]}' in node name`);
    },
  },
  {
    name: 'node_name_format',
    level: 'error',
    prereqs: ['node_name_chars'],
    node: (c, _ctx, n) => {
      if (n.unitAddress.includes('@')) c.fail(n, undefined, "multiple '@' characters in node name");
    },
  },
  {
    name: 'property_name_chars',
    level: 'error',
    prereqs: [],
    node: (c, _ctx, n) => {
      for (const p of n.props) {
        if (p.deleted) continue;
        const bad = firstBad(p.name, PROP_CHARS);
        if (bad >= 0) c.fail(n, p, `Bad character '${p.name[bad]}' in property name`);
      }
    },
  },
  {
    name: 'name_is_string',
    level: 'error',
    prereqs: [],
    node: (c, _ctx, n) => {
      const p = n.getProp('name');
      if (p && !p.value.isOneString()) c.fail(n, p, 'property is not a string');
    },
  },
  {
    name: 'name_properties',
    level: 'error',
    prereqs: ['name_is_string'],
    fixup: true,
    node: (c, _ctx, n) => {
      const i = n.props.findIndex((p) => p.name === 'name');
      const p = n.props[i];
      if (!p) return;
      const base = n.basename;
      const b = p.value.bytes;
      let same = b.length === base.length + 1;
      for (let k = 0; same && k < base.length; k++) same = b[k] === base.charCodeAt(k);
      if (!same) c.fail(n, undefined, `"name" property is incorrect ("${p.value.asString()}" instead of base node name)`, p.src);
      else n.props.splice(i, 1); // redundant: dtc drops it
    },
  },
  {
    name: 'node_name_vs_property_name',
    level: 'warning',
    prereqs: ['node_name_chars'],
    node: (c, _ctx, n) => {
      if (n.parent && n.parent.getProp(n.name)) c.fail(n, undefined, 'node name and property name conflict');
    },
  },
  {
    name: 'duplicate_label',
    level: 'error',
    prereqs: [],
    node: (c, ctx, n) => checkDuplicateLabels(c, ctx, n),
  },
  {
    name: 'explicit_phandles',
    level: 'error',
    prereqs: [],
    node: (c, ctx, n) => {
      const phandle = phandleProp(c, ctx, n, 'phandle');
      const linux = phandleProp(c, ctx, n, 'linux,phandle');
      if (!phandle && !linux) return;
      if (phandle && linux && phandle !== linux) c.fail(n, undefined, "mismatching 'phandle' and 'linux,phandle' properties");
      const value = phandle || linux;
      const other = ctx.phandles.lookup(value);
      if (other && other !== n) {
        c.fail(n, undefined, `duplicated phandle 0x${value.toString(16)} (seen before at ${other.fullpath})`, (n.getProp('phandle') ?? n.getProp('linux,phandle'))?.src);
        return;
      }
      ctx.phandles.set(n, value);
    },
  },
  {
    name: 'phandle_references',
    level: 'error',
    prereqs: ['duplicate_node_names', 'explicit_phandles'],
    fixup: true,
    node: (c, ctx, n) => {
      for (const p of n.props) {
        if (p.deleted) continue;
        for (const m of p.value.markers) {
          if (m.type !== 'ref-phandle') continue;
          const target = resolve(ctx, m.ref!);
          if (!target) {
            if (!ctx.tree.plugin) c.fail(n, undefined, `Reference to non-existent node or label "${m.ref}"`, m.src);
            else p.value.writeU32(m.offset, 0xffffffff);
            continue;
          }
          p.value.writeU32(m.offset, ctx.phandles.of(target));
          target.referenced = true;
        }
      }
    },
  },
  {
    name: 'path_references',
    level: 'error',
    prereqs: ['duplicate_node_names'],
    fixup: true,
    node: (c, ctx, n) => {
      for (const p of n.props) {
        if (p.deleted) continue;
        const ms = p.value.markers;
        for (let i = 0; i < ms.length; i++) { // insertAt below adds markers: an index walks the growing list
          const m = ms[i];
          if (m?.type !== 'ref-path') continue;
          const target = resolve(ctx, m.ref!);
          if (!target) {
            c.fail(n, undefined, `Reference to non-existent node or label "${m.ref}"`, m.src);
            continue;
          }
          p.value.insertAt(i, cString(target.fullpath));
          target.referenced = true;
        }
      }
    },
  },
  {
    name: 'omit_unused_nodes',
    level: 'error',
    prereqs: ['phandle_references', 'path_references'],
    fixup: true,
    node: (_c, ctx, n) => {
      if (ctx.symbols && n.labels.length > 0) return;
      if (n.omitIfUnused && !n.referenced) {
        deleteNode(n);
        ctx.refs = undefined;
      }
    },
  },
  ...semanticChecks(),
];

function phandleProp(c: Failer, ctx: CheckContext, n: Node, name: string): number {
  const p = n.getProp(name);
  if (!p) return 0;
  if (p.value.length !== 4) {
    c.fail(n, p, `bad length (${p.value.length}) ${name} property`);
    return 0;
  }
  const ref = p.value.markers.find((m: Marker) => m.type === 'ref-phandle');
  if (ref) {
    // `phandle = <&self>` asks for a phandle to be allocated; pointing it at another node is nonsense.
    if (resolve(ctx, ref.ref!) !== n) c.fail(n, undefined, `${name} is a reference to another node`, ref.src);
    return 0;
  }
  const v = p.value.readU32(0);
  if (!phandleIsValid(v)) {
    c.fail(n, p, `bad value (0x${v.toString(16)}) in ${name} property`);
    return 0;
  }
  return v;
}

/** Where each label is first defined, searched as dtc does: node labels, then property labels, then value labels. */
interface LabelOwners {
  node: Map<string, Node>;
  prop: Map<string, { n: Node; p: Property }>;
  marker: Map<string, { n: Node; p: Property; m: Marker }>;
}

function findLabelOwners(tree: DeviceTree): LabelOwners {
  const owners: LabelOwners = { node: new Map(), prop: new Map(), marker: new Map() };
  walk(tree.root, (n) => {
    for (const l of n.labels) if (!l.deleted && !owners.node.has(l.name)) owners.node.set(l.name, n);
    for (const p of n.props) {
      if (p.deleted) continue;
      for (const l of p.labels) if (!l.deleted && !owners.prop.has(l.name)) owners.prop.set(l.name, { n, p });
      for (const m of p.value.markers) if (m.type === 'label' && !owners.marker.has(m.ref!)) owners.marker.set(m.ref!, { n, p, m });
    }
  });
  return owners;
}

function describeOwner(n: Node, p?: Property, m?: Marker): string {
  return `${m ? 'value of ' : ''}${p ? `'${p.name}' in ` : ''}${n.fullpath}`;
}

function checkDuplicateLabels(c: Failer, ctx: CheckContext, n: Node): void {
  const owners = (ctx.labelOwners ??= findLabelOwners(ctx.tree));
  const check = (label: string, at: SourceRef | undefined, p?: Property, m?: Marker) => {
    const on = owners.node.get(label);
    let other: { n: Node; p?: Property; m?: Marker } | undefined = on ? { n: on } : undefined;
    other ??= owners.prop.get(label);
    other ??= owners.marker.get(label);
    if (!other) return;
    if (other.n !== n || other.p !== p || other.m !== m) {
      c.fail(n, undefined, `Duplicate label '${label}' on ${describeOwner(n, p, m)} and ${describeOwner(other.n, other.p, other.m)}`, at);
    }
  };
  for (const l of n.labels) if (!l.deleted) check(l.name, l.src);
  for (const p of n.props) {
    if (p.deleted) continue;
    for (const l of p.labels) if (!l.deleted) check(l.name, l.src, p);
    for (const m of p.value.markers) if (m.type === 'label') check(m.ref!, m.src, p, m);
  }
}

/** A check's switches, as dtc keeps them: whether failures print as warnings, as errors, or (neither) not at all. */
interface Switches {
  warn: boolean;
  error: boolean;
}

/** Every check's name, in dtc's order (for -W/-E validation and help). */
export function checkNames(): string[] {
  return table.map((c) => c.name);
}

/** Whether `name` (optionally `no-name`/`no_name`) is one of dtc's checks. */
export function isCheckName(name: string): boolean {
  const bare = /^no[-_]/.test(name) ? name.slice(3) : name;
  return table.some((c) => c.name === bare);
}

/**
 * dtc's -W/-E handling: raising a check also raises its prerequisites; lowering one also lowers every check that
 * needs it. `flags` are dtc-style `-Wname`, `-Wno-name`, `-Ename`, `-Eno-name`; `levels` is the older map form
 * (`off` lowers both the warning and the error switch). Unknown names are ignored here (the CLI rejects them).
 */
function switchesFor(levels: ReadonlyMap<string, Level>, flags: readonly string[], warnings: boolean): Map<string, Switches> {
  const sw = new Map<string, Switches>(table.map((c) => [c.name, { warn: warnings && c.level === 'warning', error: c.level === 'error' }]));
  const enable = (name: string, warn: boolean, error: boolean): void => {
    const c = byName.get(name);
    const s = sw.get(name);
    if (!c || !s) return;
    if ((warn && !s.warn) || (error && !s.error)) for (const pre of c.prereqs) enable(pre, warn, error);
    s.warn ||= warn;
    s.error ||= error;
  };
  const disable = (name: string, warn: boolean, error: boolean): void => {
    const s = sw.get(name);
    if (!s) return;
    if ((warn && s.warn) || (error && s.error)) {
      for (const cc of table) if (cc.prereqs.includes(name)) disable(cc.name, warn, error);
    }
    s.warn &&= !warn;
    s.error &&= !error;
  };
  for (const [name, level] of levels) {
    if (level === 'off') disable(name, true, true);
    else enable(name, level === 'warning', level === 'error');
  }
  for (const f of flags) {
    const [, kind, no, name = ''] = /^-?([WE])(no[-_])?(.+)$/.exec(f) ?? [];
    if (kind === undefined) continue;
    const warn = kind === 'W';
    if (no) disable(name, warn, !warn);
    else enable(name, warn, !warn);
  }
  return sw;
}

const byName = new Map(table.map((c) => [c.name, c]));

/**
 * Runs the checks in dtc's order, prerequisites first, as dtc's process_checks does: a check whose prerequisite
 * did not pass is skipped (and says so when enabled), and once any error-level check has failed no further check
 * runs. Returns false when an error-level check failed. `levels` and `flags` set severities (-W/-E); with
 * `warnings` false the warning-level checks start switched off (only what the flags turn on runs).
 */
export function runChecks(ctx: CheckContext, levels: ReadonlyMap<string, Level> = new Map(), flags: readonly string[] = [], warnings = true): boolean {
  const status = new Map<string, 'passed' | 'failed' | 'prereq'>();
  const sw = switchesFor(levels, flags, warnings);
  const inProgress = new Set<string>();

  const report = (check: Check, s: Switches, message: string, at?: SourceRef): void => {
    if (s.error) ctx.diags.error(check.name, message, at);
    else if (s.warn) ctx.diags.warning(check.name, message, at);
  };

  /** dtc's run_check: returns whether an error-level check failed (this one or a prerequisite). */
  const run = (check: Check): boolean => {
    let error = false;
    const s = sw.get(check.name)!;
    if (!status.has(check.name) && !inProgress.has(check.name)) {
      inProgress.add(check.name);
      for (const name of check.prereqs) {
        error = error || run(byName.get(name)!);
        if (status.get(name) !== 'passed') {
          status.set(check.name, 'prereq');
          report(check, s, `Failed prerequisite '${name}'`);
        }
      }
      if (!status.has(check.name)) {
        let failed = false;
        const failer: Failer = {
          fail(n, prop, message, at) {
            failed = true;
            const path = n.fullpath || n.path();
            const where = prop ? `${path}:${prop.name}` : path;
            report(check, s, `${where}: ${message}`, at ?? prop?.src ?? n.src);
          },
        };
        walk(ctx.tree.root, (n) => check.node(failer, ctx, n));
        status.set(check.name, failed ? 'failed' : 'passed');
      }
      inProgress.delete(check.name);
    }
    if (status.get(check.name) !== 'passed' && s.error) error = true;
    return error;
  };

  let errors = false;
  for (const check of table) {
    const s = sw.get(check.name)!;
    if (s.warn || s.error || check.fixup) errors = errors || run(check);
  }
  return !errors;
}
