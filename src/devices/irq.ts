/**
 * Interrupt lines as named objects, as Xvisor's device emulation framework has them: an interrupt chip (the PLIC's
 * inputs, a hart's local interrupts) takes numbered lines; a line is a wire into one chip; the guest's interrupt
 * router (Xvisor's `vmm_devemu_emulate_irq`) sends each guest interrupt number to the chips registered for it.
 */
import type { IrqLine } from './device.js';

/** Something interrupt lines go into. */
export interface IrqChip {
  readonly name: string;
  /** Line `line` of this chip is now at `level` (level triggered). */
  handle(line: number, level: boolean): void;
}

/** Line `line` of `chip`. */
export class ChipLine implements IrqLine {
  constructor(readonly chip: IrqChip, readonly line: number) {}

  get name(): string {
    return `${this.chip.name}:${this.line}`;
  }

  set(level: boolean): void {
    this.chip.handle(this.line, level);
  }
}

/**
 * A guest's interrupt numbers: each goes to every chip registered for it (usually just the PLIC), whenever the
 * chip was registered, so devices and the interrupt controller can be created in any order.
 */
export class IrqRouter implements IrqChip {
  private readonly chips = new Map<number, IrqChip[]>();
  private readonly lines = new Map<number, ChipLine>();
  /** The level of each line, so a chip registered late starts from the lines' current levels. */
  private readonly levels = new Map<number, boolean>();

  constructor(readonly name: string) {}

  /** Send guest interrupts `first..last` to `chip`. */
  register(chip: IrqChip, first: number, last: number): void {
    for (let n = first; n <= last; n++) {
      const list = this.chips.get(n);
      if (list) list.push(chip);
      else this.chips.set(n, [chip]);
      if (this.levels.get(n)) chip.handle(n, true);
    }
  }

  handle(line: number, level: boolean): void {
    this.levels.set(line, level);
    const list = this.chips.get(line);
    if (list) for (const chip of list) chip.handle(line, level);
  }

  /** Guest interrupt `n` as a line devices drive. */
  line(n: number): ChipLine {
    let l = this.lines.get(n);
    if (!l) {
      l = new ChipLine(this, n);
      this.lines.set(n, l);
    }
    return l;
  }
}
