/*
 * RV64C: every compressed instruction written explicitly (c.* mnemonics, so each is a 16-bit encoding).
 * Each function is a leaf called from rvc.c with the standard calling convention.
 */
    .option rvc

#define FUNC(name) .text; .globl name; .type name, @function; .balign 4; name:

/* ---- stack-pointer based: c.addi4spn, c.addi16sp, c.lwsp, c.ldsp, c.swsp, c.sdsp, c.fldsp, c.fsdsp ---- */

FUNC(rvc_addi4spn_min)          /* () -> 4 */
    c.addi4spn a0, sp, 4
    sub     a0, a0, sp
    c.jr    ra

FUNC(rvc_addi4spn_max)          /* () -> 1020 */
    c.addi4spn a5, sp, 1020
    sub     a0, a5, sp
    c.jr    ra

FUNC(rvc_addi16sp)              /* () -> 512: the distance moved by c.addi16sp -512; +496 and +16 restore sp */
    mv      a1, sp
    c.addi16sp sp, -512
    sub     a0, a1, sp          /* 512 */
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    sub     a2, a1, sp          /* 0 unless sp was not restored */
    slli    a2, a2, 32
    or      a0, a0, a2
    c.jr    ra

FUNC(rvc_swsp_lwsp)             /* (a0 = value) -> c.lwsp of the word stored by c.swsp at 252(sp) */
    c.addi16sp sp, -256
    c.swsp  a0, 252(sp)
    c.lwsp  a0, 252(sp)
    c.addi16sp sp, 256
    c.jr    ra

FUNC(rvc_swsp_mem)              /* (a0 = value) -> the doubleword at 248(sp) after c.swsp at 252(sp) */
    c.addi16sp sp, -256
    sd      zero, 248(sp)
    c.swsp  a0, 252(sp)
    ld      a0, 248(sp)
    c.addi16sp sp, 256
    c.jr    ra

FUNC(rvc_sdsp_ldsp)             /* (a0 = value) -> c.ldsp 504(sp) after c.sdsp; also via t1 (a full register) */
    c.addi16sp sp, -512
    mv      t1, a0
    c.sdsp  t1, 504(sp)
    c.ldsp  t2, 504(sp)
    c.mv    a0, t2
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    c.jr    ra

FUNC(rvc_sdsp_mem)              /* (a0 = value) -> ld 0(sp) after c.sdsp a0, 0(sp) */
    c.addi16sp sp, -16
    c.sdsp  a0, 0(sp)
    ld      a0, 0(sp)
    c.addi16sp sp, 16
    c.jr    ra

FUNC(rvc_lwsp_sext)             /* (a0 = word) -> c.lwsp of it (sign extended) */
    c.addi16sp sp, -16
    sw      a0, 8(sp)
    c.lwsp  a0, 8(sp)
    c.addi16sp sp, 16
    c.jr    ra

FUNC(rvc_fsdsp_fldsp)           /* (a0 = bits) -> bits through c.fsdsp/c.fldsp at 504(sp) */
    c.addi16sp sp, -512
    fmv.d.x ft3, a0
    c.fsdsp ft3, 504(sp)
    c.fldsp ft4, 504(sp)
    fmv.x.d a0, ft4
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    c.jr    ra

/* ---- register based loads and stores: c.lw, c.ld, c.sw, c.sd, c.fld, c.fsd ---- */

FUNC(rvc_lw_max)                /* (a0 = base) -> c.lw 124(base) */
    c.lw    a0, 124(a0)
    c.jr    ra

FUNC(rvc_lw_zero)               /* (a0 = base) -> c.lw 0(base) */
    c.lw    a1, 0(a0)
    c.mv    a0, a1
    c.jr    ra

FUNC(rvc_ld_max)                /* (a0 = base) -> c.ld 248(base) */
    c.ld    a0, 248(a0)
    c.jr    ra

FUNC(rvc_ld_8)                  /* (a0 = base) -> c.ld 8(base) through s1 */
    c.addi16sp sp, -16
    c.sdsp  s1, 8(sp)
    c.mv    s1, a0
    c.ld    s1, 8(s1)
    c.mv    a0, s1
    c.ldsp  s1, 8(sp)
    c.addi16sp sp, 16
    c.jr    ra

FUNC(rvc_sw_max)                /* (a0 = base, a1 = value): c.sw a1, 124(a0) */
    c.sw    a1, 124(a0)
    c.jr    ra

FUNC(rvc_sd_max)                /* (a0 = base, a1 = value): c.sd a1, 248(a0) */
    c.sd    a1, 248(a0)
    c.jr    ra

FUNC(rvc_sw_sd_s0)              /* (a0 = base, a1 = value): c.sw s0, 4(a0); c.sd s0, 8(a0) with s0 = value */
    c.addi16sp sp, -16
    c.sdsp  s0, 8(sp)
    c.mv    s0, a1
    c.sw    s0, 4(a0)
    c.sd    s0, 8(a0)
    c.ldsp  s0, 8(sp)
    c.addi16sp sp, 16
    c.jr    ra

FUNC(rvc_fld_max)               /* (a0 = base) -> bits of c.fld 248(base) */
    c.fld   fa5, 248(a0)
    fmv.x.d a0, fa5
    c.jr    ra

FUNC(rvc_fsd_max)               /* (a0 = base, a1 = bits): c.fsd at 248(base) */
    fmv.d.x fs1, a1
    c.fsd   fs1, 248(a0)
    c.jr    ra

/* ---- integer register-immediate ---- */

FUNC(rvc_addi_neg)              /* (x) -> x - 32 */
    c.addi  a0, -32
    c.jr    ra

FUNC(rvc_addi_pos)              /* (x) -> x + 31 */
    c.addi  a0, 31
    c.jr    ra

FUNC(rvc_addi_t3)               /* (x) -> x - 1, on a full register */
    mv      t3, a0
    c.addi  t3, -1
    c.mv    a0, t3
    c.jr    ra

FUNC(rvc_addiw_1)               /* (x) -> sext32(x + 1) */
    c.addiw a0, 1
    c.jr    ra

FUNC(rvc_addiw_0)               /* (x) -> sext32(x) */
    c.addiw a0, 0
    c.jr    ra

FUNC(rvc_addiw_neg)             /* (x) -> sext32(x - 32), on t4 */
    mv      t4, a0
    c.addiw t4, -32
    c.mv    a0, t4
    c.jr    ra

FUNC(rvc_li_neg)                /* () -> -32 */
    c.li    a0, -32
    c.jr    ra

FUNC(rvc_li_pos)                /* () -> 31, via t6 */
    c.li    t6, 31
    c.mv    a0, t6
    c.jr    ra

FUNC(rvc_li_zero)               /* () -> 0 */
    c.li    a0, 0
    c.jr    ra

FUNC(rvc_lui_neg)               /* () -> 0xfffffffffffe0000 */
    c.lui   a0, 0xfffe0
    c.jr    ra

FUNC(rvc_lui_m1)                /* () -> 0xfffffffffffff000 */
    c.lui   a0, 0xfffff
    c.jr    ra

FUNC(rvc_lui_max)               /* () -> 0x1f000, via t0 */
    c.lui   t0, 31
    c.mv    a0, t0
    c.jr    ra

FUNC(rvc_lui_1)                 /* () -> 0x1000 */
    c.lui   a0, 1
    c.jr    ra

FUNC(rvc_srli_63)               /* (x) -> x >> 63 (logical) */
    c.srli  a0, 63
    c.jr    ra

FUNC(rvc_srli_1)                /* (x) -> x >> 1 (logical) */
    c.srli  a0, 1
    c.jr    ra

FUNC(rvc_srli_32)               /* (x) -> x >> 32 (logical) */
    c.srli  a0, 32
    c.jr    ra

FUNC(rvc_srai_63)               /* (x) -> x >> 63 (arithmetic) */
    c.srai  a0, 63
    c.jr    ra

FUNC(rvc_srai_32)               /* (x) -> x >> 32 (arithmetic) */
    c.srai  a0, 32
    c.jr    ra

FUNC(rvc_srai_1)                /* (x) -> x >> 1 (arithmetic) */
    c.srai  a0, 1
    c.jr    ra

FUNC(rvc_andi_neg)              /* (x) -> x & -32 */
    c.andi  a0, -32
    c.jr    ra

FUNC(rvc_andi_pos)              /* (x) -> x & 31 */
    c.andi  a0, 31
    c.jr    ra

FUNC(rvc_andi_zero)             /* (x) -> x & 0 */
    c.andi  a0, 0
    c.jr    ra

FUNC(rvc_slli_1)                /* (x) -> x << 1 */
    c.slli  a0, 1
    c.jr    ra

FUNC(rvc_slli_63)               /* (x) -> x << 63 */
    c.slli  a0, 63
    c.jr    ra

FUNC(rvc_slli_32)               /* (x) -> x << 32, on t0 */
    mv      t0, a0
    c.slli  t0, 32
    c.mv    a0, t0
    c.jr    ra

/* ---- integer register-register ---- */

FUNC(rvc_sub)                   /* (a, b) -> a - b */
    c.sub   a0, a1
    c.jr    ra

FUNC(rvc_xor)
    c.xor   a0, a1
    c.jr    ra

FUNC(rvc_or)
    c.or    a0, a1
    c.jr    ra

FUNC(rvc_and)
    c.and   a0, a1
    c.jr    ra

FUNC(rvc_subw)                  /* (a, b) -> sext32(a - b) */
    c.subw  a0, a1
    c.jr    ra

FUNC(rvc_addw)                  /* (a, b) -> sext32(a + b) */
    c.addw  a0, a1
    c.jr    ra

FUNC(rvc_add)                   /* (a, b) -> a + b, through t4/t5 */
    c.mv    t4, a0
    c.mv    t5, a1
    c.add   t4, t5
    c.mv    a0, t4
    c.jr    ra

FUNC(rvc_mv)                    /* (a, b) -> b (c.mv a0, a1), a1 unchanged: returns b ^ (a1 - b) */
    c.mv    a0, a1
    c.jr    ra

FUNC(rvc_nop)                   /* (x) -> x */
    c.nop
    c.nop
    c.jr    ra

/* ---- control transfer ---- */

FUNC(rvc_j)                     /* () -> 7: c.j forward then backward */
    c.li    a0, 1
    c.j     2f
1:  c.addi  a0, 6
    c.jr    ra
2:  c.j     1b
    c.li    a0, 0               /* not reached */
    c.jr    ra

FUNC(rvc_beqz)                  /* (x) -> 1 if c.beqz taken */
    c.mv    a1, a0
    c.li    a0, 1
    c.beqz  a1, 1f
    c.li    a0, 0
1:  c.jr    ra

FUNC(rvc_bnez)                  /* (x) -> 1 if c.bnez taken */
    c.mv    a1, a0
    c.li    a0, 1
    c.bnez  a1, 1f
    c.li    a0, 0
1:  c.jr    ra

FUNC(rvc_bnez_loop)             /* (n) -> n + (n-1) + ... + 1: backward c.bnez */
    c.li    a1, 0
1:  c.add   a1, a0
    c.addi  a0, -1
    c.bnez  a0, 1b
    c.mv    a0, a1
    c.jr    ra

FUNC(rvc_beqz_back)             /* () -> 3: backward c.beqz */
    c.li    a0, 0
    c.li    a2, 2
    c.j     2f
1:  c.addi  a0, 1
    c.jr    ra
2:  c.li    a0, 2
    c.li    a1, 0
    c.beqz  a1, 1b
    c.li    a0, 0
    c.jr    ra

FUNC(rvc_jr)                    /* () -> 5 */
    lla     a1, 1f
    c.li    a0, 1
    c.jr    a1
    c.li    a0, 0
1:  c.addi  a0, 4
    c.jr    ra

FUNC(rvc_jalr_link)             /* () -> link - address of the c.jalr = 2 */
    c.mv    t0, ra
    lla     a1, 2f
1:  c.jalr  a1
    c.mv    ra, t0
    c.jr    ra
2:  lla     a2, 1b
    sub     a0, ra, a2
    c.jr    ra                  /* back to after the c.jalr */

FUNC(rvc_jalr_ra)               /* () -> 9: c.jalr through ra itself (target read before the link is written) */
    c.mv    t0, ra
    lla     ra, 2f
    c.li    a0, 0
    c.jalr  ra
    c.addi  a0, 8
    c.mv    ra, t0
    c.jr    ra
2:  c.li    a0, 1
    c.jr    ra

FUNC(rvc_ebreak)                /* () -> address of the c.ebreak (a trap hook skips it) */
    lla     a0, 1f
1:  c.ebreak
    c.jr    ra

/* ---- 32-bit instructions at 2-byte aligned addresses ---- */

FUNC(rvc_mixed)                 /* () -> 0x12345 + 0x678 */
    c.nop                       /* the next instruction starts at 2 mod 4 */
    .option push
    .option norvc
    lui     a0, 0x12
    addi    a0, a0, 0x345
    .option pop
    c.addi  a0, 0
    .option push
    .option norvc
    addi    a0, a0, 0x678
    .option pop
    c.jr    ra

FUNC(rvc_mixed_jump)            /* () -> 3: jump to a 32-bit instruction at 2 mod 4 */
    c.li    a0, 0
    c.j     1f
    c.nop
1:  .option push
    .option norvc
    addi    a0, a0, 3
    .option pop
    c.jr    ra

/* A 32-bit instruction that straddles a 4 KiB page boundary. */
    .section .text.rvc_page, "ax"
    .balign 4096
    .skip   4088
    .globl  rvc_page_cross
rvc_page_cross:                 /* () -> 0x555 + 1; the addi starts 2 bytes before the page end */
    c.li    a0, 0               /* page + 4088 */
    c.nop                       /* 4090 */
    c.nop                       /* 4092 */
    .option push
    .option norvc
    addi    a0, a0, 0x555       /* 4094: half in this page, half in the next */
    .option pop
    c.addi  a0, 1
    c.jr    ra
