/*
 * Guest entry, trap entry and U-mode helper.
 *
 * _start: S mode, a0 = hart id, a1 = DTB address (saved in boot_hartid / boot_dtb; tests must not depend on
 * the DTB). Sets sp to the boot stack, clears .bss, sstatus.SIE = 0, sie = 0, sscratch = 0, stvec = _trap_entry
 * (direct mode), sstatus.FS = Initial, fcsr = 0; calls main() and passes its return value to guest_exit().
 *
 * Trap entry convention (as Linux): sscratch is 0 while the hart runs in S mode, and holds the S stack pointer
 * while it runs in U mode. A test that writes sscratch must put 0 back before anything can trap.
 * Frame layout: see struct trap_frame in test.h (x0..x31, sepc, sstatus, scause, stval; 288 bytes).
 */
#define FRAME      288
#define F_SEPC     256
#define F_SSTATUS  264
#define F_SCAUSE   272
#define F_STVAL    280
#define USER_EXIT_MAGIC 0x55534552   /* "USER": a7 of the ecall that ends user_call() */

    .section .text.start, "ax"
    .globl _start
_start:
    mv      s0, a0
    mv      s1, a1
    la      sp, _stack_top
    la      t0, _bss_start
    la      t1, _bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  la      t0, boot_hartid
    sd      s0, 0(t0)
    la      t0, boot_dtb
    sd      s1, 0(t0)
    csrci   sstatus, 2              /* SIE = 0 */
    csrw    sie, zero
    csrw    sscratch, zero
    la      t0, _trap_entry
    csrw    stvec, t0
    li      t0, (3 << 13)
    csrc    sstatus, t0
    li      t0, (1 << 13)           /* FS = Initial: the F/D registers are usable */
    csrs    sstatus, t0
    fscsr   zero
    call    main
    call    guest_exit              /* does not return */
3:  wfi
    j       3b

    .text
    .balign 4
    .globl _trap_entry
_trap_entry:
    csrrw   sp, sscratch, sp
    bnez    sp, 1f                  /* from U: sp is now the S stack, sscratch the U sp */
    csrrw   sp, sscratch, sp        /* from S: back to the interrupted sp, sscratch = 0 */
1:  addi    sp, sp, -FRAME
    sd      x1, 8(sp)
    sd      x3, 24(sp)
    sd      x4, 32(sp)
    sd      x5, 40(sp)
    sd      x6, 48(sp)
    sd      x7, 56(sp)
    sd      x8, 64(sp)
    sd      x9, 72(sp)
    sd      x10, 80(sp)
    sd      x11, 88(sp)
    sd      x12, 96(sp)
    sd      x13, 104(sp)
    sd      x14, 112(sp)
    sd      x15, 120(sp)
    sd      x16, 128(sp)
    sd      x17, 136(sp)
    sd      x18, 144(sp)
    sd      x19, 152(sp)
    sd      x20, 160(sp)
    sd      x21, 168(sp)
    sd      x22, 176(sp)
    sd      x23, 184(sp)
    sd      x24, 192(sp)
    sd      x25, 200(sp)
    sd      x26, 208(sp)
    sd      x27, 216(sp)
    sd      x28, 224(sp)
    sd      x29, 232(sp)
    sd      x30, 240(sp)
    sd      x31, 248(sp)
    csrrw   t0, sscratch, zero      /* U sp, or 0 when the trap came from S */
    bnez    t0, 2f
    addi    t0, sp, FRAME
2:  sd      t0, 16(sp)
    sd      zero, 0(sp)
    csrr    t0, sepc
    sd      t0, F_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, F_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, F_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, F_STVAL(sp)
    mv      a0, sp
    call    trap_handler
    /* The handler may have changed any of x1..x31, sepc and sstatus in the frame. */
    ld      t0, F_SEPC(sp)
    csrw    sepc, t0
    ld      t0, F_SSTATUS(sp)
    csrw    sstatus, t0
    andi    t0, t0, 0x100           /* SPP */
    bnez    t0, 3f
    addi    t0, sp, FRAME           /* returning to U: the S stack for the next trap */
    csrw    sscratch, t0
3:  ld      x1, 8(sp)
    ld      x3, 24(sp)
    ld      x4, 32(sp)
    ld      x5, 40(sp)
    ld      x6, 48(sp)
    ld      x7, 56(sp)
    ld      x8, 64(sp)
    ld      x9, 72(sp)
    ld      x10, 80(sp)
    ld      x11, 88(sp)
    ld      x12, 96(sp)
    ld      x13, 104(sp)
    ld      x14, 112(sp)
    ld      x15, 120(sp)
    ld      x16, 128(sp)
    ld      x17, 136(sp)
    ld      x18, 144(sp)
    ld      x19, 152(sp)
    ld      x20, 160(sp)
    ld      x21, 168(sp)
    ld      x22, 176(sp)
    ld      x23, 184(sp)
    ld      x24, 192(sp)
    ld      x25, 200(sp)
    ld      x26, 208(sp)
    ld      x27, 216(sp)
    ld      x28, 224(sp)
    ld      x29, 232(sp)
    ld      x30, 240(sp)
    ld      x31, 248(sp)
    ld      sp, 16(sp)
    sret

/*
 * long user_call(long (*fn)(long), long arg, void *user_sp)
 * Runs fn(arg) in U mode (sret with SPP = 0, SPIE = SIE) on user_sp and returns its return value. fn returns
 * to user_exit, which does ecall with a7 = USER_EXIT_MAGIC; trap_handler() sees it and calls user_return(a0),
 * which resumes here in S mode with the callee-saved registers and sstatus restored. Not reentrant.
 */
    .globl user_call
user_call:
    addi    sp, sp, -112
    sd      ra, 0(sp)
    sd      s0, 8(sp)
    sd      s1, 16(sp)
    sd      s2, 24(sp)
    sd      s3, 32(sp)
    sd      s4, 40(sp)
    sd      s5, 48(sp)
    sd      s6, 56(sp)
    sd      s7, 64(sp)
    sd      s8, 72(sp)
    sd      s9, 80(sp)
    sd      s10, 88(sp)
    sd      s11, 96(sp)
    csrr    t0, sstatus
    sd      t0, 104(sp)
    la      t1, user_ctx_sp
    sd      sp, 0(t1)
    csrw    sepc, a0
    li      t1, 0x120               /* SPP | SPIE */
    csrc    sstatus, t1
    andi    t0, t0, 2               /* SIE */
    slli    t0, t0, 4               /* -> SPIE */
    csrs    sstatus, t0
    csrw    sscratch, sp
    mv      a0, a1
    la      ra, user_exit
    mv      sp, a2
    sret

    .globl user_exit
user_exit:                          /* runs in U mode */
    li      a7, USER_EXIT_MAGIC
    ecall
1:  j       1b

    .globl user_return
user_return:                        /* S mode, from trap_handler(); a0 = fn's return value */
    la      t1, user_ctx_sp
    ld      sp, 0(t1)
    csrw    sscratch, zero
    ld      t0, 104(sp)
    csrw    sstatus, t0
    ld      ra, 0(sp)
    ld      s0, 8(sp)
    ld      s1, 16(sp)
    ld      s2, 24(sp)
    ld      s3, 32(sp)
    ld      s4, 40(sp)
    ld      s5, 48(sp)
    ld      s6, 56(sp)
    ld      s7, 64(sp)
    ld      s8, 72(sp)
    ld      s9, 80(sp)
    ld      s10, 88(sp)
    ld      s11, 96(sp)
    addi    sp, sp, 112
    ret

    .bss
    .balign 8
user_ctx_sp:
    .dword  0
