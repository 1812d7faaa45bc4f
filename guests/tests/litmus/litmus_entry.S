/* Entry of the secondary harts started with SBI HSM hart_start: a0 = hart id, a1 = opaque. */
    .section .text
    .globl secondary_entry
    .balign 4
secondary_entry:
    la      sp, secondary_stacks
    addi    t0, a0, 1
    slli    t0, t0, 12          /* 4 KiB of stack per hart id */
    add     sp, sp, t0
    csrw    sscratch, zero      /* the trap entry's convention (see common/start.S) */
    la      t0, _trap_entry
    csrw    stvec, t0
    call    secondary_main
1:  wfi
    j       1b

    .section .bss
    .balign 16
secondary_stacks:
    .space  4096 * 8
