/**
 * The shell's commands as data: names, sub-commands, what each argument is, and usage lines in Xvisor's style.
 * `help` and Tab completion both read this table, so they cannot disagree with each other.
 */

/**
 * What an argument is, for completion: a live name (guest, VCPU, vserial, a command for `help`), a path in the
 * board tree, free text, or one of a few words.
 */
export type ArgKind = 'guest' | 'vcpu' | 'vserial' | 'command' | 'dtpath' | 'text' | readonly string[];

export interface SubcommandSpec {
  readonly name: string;
  readonly args: readonly ArgKind[];
  /** The usage line, without the command name (`kick <guest_name>`). */
  readonly usage: string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line, as Xvisor's `help` lists it. */
  readonly summary: string;
  readonly subs: readonly SubcommandSpec[];
  /** Arguments of a command without sub-commands (`echo`, `sleep`, `help`). */
  readonly args?: readonly ArgKind[];
  /** Usage of a command without sub-commands, without its name. */
  readonly usage?: string;
  readonly notes?: readonly string[];
}

const sub = (name: string, args: readonly ArgKind[], usage: string): SubcommandSpec => ({ name, args, usage: `${name}${usage ? ` ${usage}` : ''}` });
const guestOp = (name: string): SubcommandSpec => sub(name, ['guest'], '<guest_name>');
const vcpuOp = (name: string): SubcommandSpec => sub(name, ['vcpu'], '<vcpu_id>');

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'guest', summary: 'control commands for guest',
    subs: [
      sub('list', [], ''),
      ...['create', 'destroy', 'reset', 'kick', 'pause', 'resume', 'halt'].map(guestOp),
      sub('region_list', ['guest'], '<guest_name>'),
      sub('region', ['guest', 'text'], '<guest_name> <guest_phys_addr>'),
      sub('dumpmem', ['guest', 'text', 'text'], '<guest_name> <guest_phys_addr> [<length>]'),
      sub('snapshot', ['guest', 'text'], '<guest_name> <file>'),
      sub('restore', ['text', 'text'], '<new_guest_name> <file>'),
      sub('migrate', ['guest', 'text'], '<guest_name> <host:port>'),
      sub('incoming', ['text', 'text'], '<[host:]port> [<guest_name>]'),
    ],
    notes: ['dumpmem shows at most 4096 bytes; region shows the region holding an address',
      'snapshot writes the guest (state, devices, RAM) to a file; restore creates a guest from one',
      'migrate moves a running guest live to a tsvisor waiting with guest incoming (or boot --incoming)'],
  },
  {
    name: 'vcpu', summary: 'control commands for vcpu',
    subs: [
      sub('list', [], ''), sub('normal_list', [], ''), sub('orphan_list', [], ''), sub('monitor', [], ''),
      ...['reset', 'kick', 'pause', 'resume', 'halt', 'dumpreg', 'dumpstat'].map(vcpuOp),
      sub('set_hcpu', ['vcpu', 'text'], '<vcpu_id> <host_cpu>'),
      sub('set_affinity', ['vcpu', 'text'], '<vcpu_id> <host_cpu>[,<host_cpu>...]'),
    ],
    notes: ['<vcpu_id> is the ID of vcpu list, or the VCPU\'s name (guest0/vcpu0)',
      'monitor redraws each host CPU\'s load (virtual time), host RAM and the VCPU list every second, until q (or Ctrl-C)',
      'set_hcpu moves a VCPU to one host CPU of its affinity (PRR scheduler); set_affinity also takes the CPUs apart (2 3)'],
  },
  {
    name: 'vserial', summary: 'virtual serial port commands',
    subs: [
      sub('list', [], ''),
      sub('dump', ['vserial', 'text'], '<vserial_name> [<bytes>]'),
      sub('bind', ['vserial'], '<vserial_name>'),
    ],
    notes: ['bind (tsvisor boot): keys go to the guest console as typed, until ESC x q (or Ctrl-C)'],
  },
  {
    name: 'vfs', summary: 'load guests and run scripts from host files',
    subs: [
      sub('guest_fdt_load', ['guest', 'text', 'text'], '<guest_name> <dtb> <vcpu_count> [<alias>,<attr>,<type>,<value>]...'),
      sub('guest_load', ['guest', 'text', 'text'], '<guest_name> <guest_phys_addr> <file>'),
      sub('guest_load_list', ['guest', 'text'], '<guest_name> <list_file>'),
      sub('run', ['text'], '<script>'),
    ],
    notes: ['paths are relative to the board file\'s folder; scripts nest at most 8 deep'],
  },
  {
    name: 'devtree', summary: 'show and edit the live board device tree',
    subs: [
      sub('attr', [['show', 'get', 'set', 'del'], 'dtpath', 'text', ['string', 'uint32', 'uint64', 'bytes'], 'text'],
        'show|get|set|del <path> [<attr> [<type> <value>]]'),
      sub('node', [['show', 'dump', 'add', 'copy', 'del'], 'dtpath', 'dtpath'], 'show|dump|add|copy|del <path> [<name>|<source path>]'),
    ],
  },
  {
    name: 'memory', summary: 'read and write a guest\'s memory',
    subs: [
      ...['dump8', 'dump16', 'dump32'].map((n) => sub(n, ['guest', 'text', 'text'], '<guest_name> <guest_phys_addr> <count>')),
      ...['modify8', 'modify16', 'modify32'].map((n) => sub(n, ['guest', 'text', 'text'], '<guest_name> <guest_phys_addr> <value> [<value>...]')),
      sub('copy', ['guest', 'text', 'text', 'text'], '<guest_name> <dest_guest_phys_addr> <src_guest_phys_addr> <byte_count>'),
    ],
    notes: ['addresses are guest physical addresses of the named guest: Xvisor\'s memory takes host physical ones, but tsvisor does not model host RAM byte by byte (each guest\'s memory is its own)',
      'values are little-endian, as the guest loads them; a dump address is aligned down to its width; at most 4096 bytes',
      'only RAM and ROM are read, and only RAM written: a device region is refused (a read could change the device)'],
  },
  {
    name: 'host', summary: 'host information',
    subs: [sub('info', [], ''), sub('cpu', [['info']], 'info'), sub('ram', [['info']], 'info')],
  },
  { name: 'sleep', summary: 'wait, with the guests running (virtual time)', subs: [], args: ['text'], usage: '<seconds>|<n>ms|<n>us' },
  { name: 'echo', summary: 'print its arguments', subs: [], args: ['text'], usage: '<text>' },
  { name: 'version', summary: 'show the version', subs: [], usage: '' },
  { name: 'help', summary: 'list commands, or show how to use one', subs: [], args: ['command'], usage: '[<command>]' },
  { name: 'shutdown', summary: 'stop the hypervisor (exit does the same)', subs: [], usage: '' },
  { name: 'exit', summary: 'stop the hypervisor', subs: [], usage: '' },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** `help`: each command and what it is for; `help <command>`: its usage, as Xvisor prints a command's usage. */
export function helpLines(name?: string): string[] | undefined {
  if (name === undefined) {
    return [...COMMANDS.map((c) => `${c.name.padEnd(10)}- ${c.summary}`), '', 'help <command> shows how to use a command; ";" separates commands on a line'];
  }
  const c = commandSpec(name);
  if (!c) return undefined;
  const usage = c.subs.length > 0 ? c.subs.map((s) => `   ${c.name} ${s.usage}`) : [`   ${c.name}${c.usage ? ` ${c.usage}` : ''}`];
  return [`${c.name}: ${c.summary}`, 'Usage:', ...usage, ...(c.notes ?? []).map((n) => `Note: ${n}`)];
}
