/**
 * Tab completion of a shell line: command names, sub-commands, and the live names an argument takes (guests,
 * VCPUs, vserials, board tree paths), all read from the command table. Pure: the names come from the caller.
 */
import { COMMANDS, commandSpec, type ArgKind } from './commands.js';
import { lastCommandStart } from './split.js';

/** The live names completion offers. */
export interface CompletionNames {
  guests(): readonly string[];
  /** VCPU names (`guest0/vcpu0`) and their ids. */
  vcpus(): readonly { readonly id: number; readonly name: string }[];
  vserials(): readonly string[];
  /** The children of a board tree node, or [] when there is no such node. */
  treeChildren(path: string): readonly string[];
}

/**
 * Completions of `line` with the cursor at its end, as node:readline's completer returns them: the candidates
 * and the text they replace. A single candidate gets a trailing space (the next word can be typed at once),
 * except a tree path, which may go deeper.
 */
export function complete(line: string, names: CompletionNames): [string[], string] {
  const segment = line.slice(lastCommandStart(line)).replace(/^\s+/, '');
  const words = segment.split(/\s+/);
  const word = words.pop() ?? '';
  const candidates = candidatesFor(words, word, names);
  const hits = candidates.filter((c) => c.startsWith(word));
  const unique = [...new Set(hits)].sort();
  const [only] = unique;
  if (unique.length === 1 && only !== undefined && !(kindAt(words) === 'dtpath' && only.endsWith('/'))) return [[`${only} `], word];
  return [unique, word];
}

/** What the next word of a command whose words so far are `words` is. */
function kindAt(words: readonly string[]): ArgKind | 'commandName' | 'sub' | undefined {
  const [name] = words;
  if (name === undefined) return 'commandName';
  const spec = commandSpec(name);
  if (!spec) return undefined;
  if (spec.subs.length === 0) return spec.args?.[words.length - 1];
  if (words.length === 1) return 'sub';
  const sub = spec.subs.find((s) => s.name === words[1]);
  return sub?.args[words.length - 2];
}

function candidatesFor(words: readonly string[], word: string, names: CompletionNames): string[] {
  const kind = kindAt(words);
  if (kind === undefined) return [];
  if (kind === 'commandName' || kind === 'command') return COMMANDS.map((c) => c.name);
  if (kind === 'sub') return commandSpec(words[0] ?? '')?.subs.map((s) => s.name) ?? [];
  if (typeof kind !== 'string') return [...kind];
  switch (kind) {
    case 'guest': return [...names.guests()];
    case 'vserial': return [...names.vserials()];
    // An id is offered once a digit is typed; names otherwise (they say which guest a VCPU belongs to).
    case 'vcpu': return names.vcpus().map((v) => (/^[0-9]/.test(word) ? String(v.id) : v.name));
    case 'dtpath': return treePaths(word, names);
    case 'text': return [];
  }
}

/** `/cpus/cp` → the children of /cpus that start with `cp`, as full paths; a child with children ends with `/`. */
function treePaths(word: string, names: CompletionNames): string[] {
  if (!word.startsWith('/')) return word === '' ? ['/'] : [];
  const cut = word.lastIndexOf('/');
  const parent = cut === 0 ? '/' : word.slice(0, cut);
  const base = cut === 0 ? '/' : `${parent}/`;
  return names.treeChildren(parent).map((c) => {
    const path = `${base}${c}`;
    return names.treeChildren(path).length > 0 ? `${path}/` : path;
  });
}
