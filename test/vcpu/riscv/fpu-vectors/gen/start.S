/* Entry point for the FPU vector generator guest (S-mode, loaded by OpenSBI at 0x80200000). */
    .section .text.start
    .globl _start
_start:
    la      sp, stack_top
    /* sstatus.FS = Initial (bit 13) so the F and D instructions do not trap. */
    li      t0, (1 << 13)
    csrs    sstatus, t0
    csrwi   fcsr, 0
    /* Clear .bss */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    main
3:  j       3b

    .section .bss
    .balign 16
    .space  65536
stack_top:
