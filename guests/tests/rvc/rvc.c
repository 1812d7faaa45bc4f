/* RV64C: drives the functions in rvc_insns.S. */
#include "test.h"

#define F0(name) extern uint64_t name(void)
#define F1(name) extern uint64_t name(uint64_t)
#define F2(name) extern uint64_t name(uint64_t, uint64_t)
F0(rvc_addi4spn_min); F0(rvc_addi4spn_max); F0(rvc_addi16sp);
F1(rvc_swsp_lwsp); F1(rvc_swsp_mem); F1(rvc_sdsp_ldsp); F1(rvc_sdsp_mem); F1(rvc_lwsp_sext); F1(rvc_fsdsp_fldsp);
F1(rvc_lw_max); F1(rvc_lw_zero); F1(rvc_ld_max); F1(rvc_ld_8); F2(rvc_sw_max); F2(rvc_sd_max); F2(rvc_sw_sd_s0);
F1(rvc_fld_max); F2(rvc_fsd_max);
F1(rvc_addi_neg); F1(rvc_addi_pos); F1(rvc_addi_t3); F1(rvc_addiw_1); F1(rvc_addiw_0); F1(rvc_addiw_neg);
F0(rvc_li_neg); F0(rvc_li_pos); F0(rvc_li_zero); F0(rvc_lui_neg); F0(rvc_lui_m1); F0(rvc_lui_max); F0(rvc_lui_1);
F1(rvc_srli_63); F1(rvc_srli_1); F1(rvc_srli_32); F1(rvc_srai_63); F1(rvc_srai_32); F1(rvc_srai_1);
F1(rvc_andi_neg); F1(rvc_andi_pos); F1(rvc_andi_zero); F1(rvc_slli_1); F1(rvc_slli_63); F1(rvc_slli_32);
F2(rvc_sub); F2(rvc_xor); F2(rvc_or); F2(rvc_and); F2(rvc_subw); F2(rvc_addw); F2(rvc_add); F2(rvc_mv);
F1(rvc_nop);
F0(rvc_j); F1(rvc_beqz); F1(rvc_bnez); F1(rvc_bnez_loop); F0(rvc_beqz_back); F0(rvc_jr); F0(rvc_jalr_link);
F0(rvc_jalr_ra); F0(rvc_ebreak); F0(rvc_mixed); F0(rvc_mixed_jump); F0(rvc_page_cross);

static uint64_t buf[40] __attribute__((aligned(16)));

static void stack_based(void)
{
    CHECK_EQ("c.addi4spn 4", rvc_addi4spn_min(), 4);
    CHECK_EQ("c.addi4spn 1020", rvc_addi4spn_max(), 1020);
    CHECK_EQ("c.addi16sp -512/+496/+16", rvc_addi16sp(), 512);
    CHECK_EQ("c.swsp/c.lwsp 252", rvc_swsp_lwsp(0x12345678), 0x12345678);
    CHECK_EQ("c.swsp/c.lwsp sext", rvc_swsp_lwsp(0xaaaaaaaa87654321ull), 0xffffffff87654321ull);
    CHECK_EQ("c.swsp stores a word", rvc_swsp_mem(0xdeadbeefcafef00dull), 0xcafef00d00000000ull);
    CHECK_EQ("c.sdsp/c.ldsp 504", rvc_sdsp_ldsp(0x0123456789abcdefull), 0x0123456789abcdefull);
    CHECK_EQ("c.sdsp 0", rvc_sdsp_mem(0xfedcba9876543210ull), 0xfedcba9876543210ull);
    CHECK_EQ("c.lwsp positive", rvc_lwsp_sext(0x7fffffff), 0x7fffffff);
    CHECK_EQ("c.fsdsp/c.fldsp 504", rvc_fsdsp_fldsp(0x400921fb54442d18ull), 0x400921fb54442d18ull);
}

static void reg_based(void)
{
    memset(buf, 0, sizeof buf);
    ((uint32_t *)buf)[31] = 0x80000001;
    CHECK_EQ("c.lw 124 sext", rvc_lw_max((uint64_t)buf), 0xffffffff80000001ull);
    ((uint32_t *)buf)[0] = 0x7ffffffe;
    CHECK_EQ("c.lw 0", rvc_lw_zero((uint64_t)buf), 0x7ffffffe);
    buf[31] = 0x8877665544332211ull;
    CHECK_EQ("c.ld 248", rvc_ld_max((uint64_t)buf), 0x8877665544332211ull);
    buf[1] = 0x1111222233334444ull;
    CHECK_EQ("c.ld 8 via s1", rvc_ld_8((uint64_t)buf), 0x1111222233334444ull);
    buf[15] = 0;
    rvc_sw_max((uint64_t)buf, 0xffffffffa5a5a5a5ull);
    CHECK_EQ("c.sw 124", buf[15], 0xa5a5a5a500000000ull);
    rvc_sd_max((uint64_t)buf, 0x0102030405060708ull);
    CHECK_EQ("c.sd 248", buf[31], 0x0102030405060708ull);
    buf[0] = 0;
    buf[1] = 0;
    rvc_sw_sd_s0((uint64_t)buf, 0xabcdef0123456789ull);
    CHECK_EQ("c.sw via s0", buf[0], 0x2345678900000000ull);
    CHECK_EQ("c.sd via s0", buf[1], 0xabcdef0123456789ull);
    buf[31] = 0xc00921fb54442d18ull;
    CHECK_EQ("c.fld 248", rvc_fld_max((uint64_t)buf), 0xc00921fb54442d18ull);
    rvc_fsd_max((uint64_t)buf, 0x3ff0000000000001ull);
    CHECK_EQ("c.fsd 248", buf[31], 0x3ff0000000000001ull);
}

static void immediates(void)
{
    CHECK_EQ("c.addi -32", rvc_addi_neg(10), (uint64_t)-22);
    CHECK_EQ("c.addi 31", rvc_addi_pos(0xffffffffull), 0x10000001eull);
    CHECK_EQ("c.addi t3 -1", rvc_addi_t3(0), 0xffffffffffffffffull);
    CHECK_EQ("c.addiw overflow", rvc_addiw_1(0x7fffffff), 0xffffffff80000000ull);
    CHECK_EQ("c.addiw 0 sext", rvc_addiw_0(0x123456789abcdef0ull), 0xffffffff9abcdef0ull);
    CHECK_EQ("c.addiw 0 positive", rvc_addiw_0(0xffffffff12345678ull), 0x12345678);
    CHECK_EQ("c.addiw -32", rvc_addiw_neg(0x100000010ull), 0xfffffffffffffff0ull);
    CHECK_EQ("c.li -32", rvc_li_neg(), (uint64_t)-32);
    CHECK_EQ("c.li 31", rvc_li_pos(), 31);
    CHECK_EQ("c.li 0", rvc_li_zero(), 0);
    CHECK_EQ("c.lui 0xfffe0", rvc_lui_neg(), 0xfffffffffffe0000ull);
    CHECK_EQ("c.lui 0xfffff", rvc_lui_m1(), 0xfffffffffffff000ull);
    CHECK_EQ("c.lui 31", rvc_lui_max(), 0x1f000);
    CHECK_EQ("c.lui 1", rvc_lui_1(), 0x1000);
    CHECK_EQ("c.srli 63", rvc_srli_63(0x8000000000000000ull), 1);
    CHECK_EQ("c.srli 1", rvc_srli_1(0xffffffffffffffffull), 0x7fffffffffffffffull);
    CHECK_EQ("c.srli 32", rvc_srli_32(0x8765432112345678ull), 0x87654321);
    CHECK_EQ("c.srai 63", rvc_srai_63(0x8000000000000000ull), 0xffffffffffffffffull);
    CHECK_EQ("c.srai 32", rvc_srai_32(0x8765432112345678ull), 0xffffffff87654321ull);
    CHECK_EQ("c.srai 1 positive", rvc_srai_1(0x7ffffffffffffffeull), 0x3fffffffffffffffull);
    CHECK_EQ("c.andi -32", rvc_andi_neg(0xffffffffffffffffull), 0xffffffffffffffe0ull);
    CHECK_EQ("c.andi 31", rvc_andi_pos(0xffffffffffffffffull), 31);
    CHECK_EQ("c.andi 0", rvc_andi_zero(0xffffffffffffffffull), 0);
    CHECK_EQ("c.slli 1", rvc_slli_1(0xc000000000000001ull), 0x8000000000000002ull);
    CHECK_EQ("c.slli 63", rvc_slli_63(3), 0x8000000000000000ull);
    CHECK_EQ("c.slli 32 t0", rvc_slli_32(0x12345678abcdef01ull), 0xabcdef0100000000ull);
}

static void reg_reg(void)
{
    CHECK_EQ("c.sub", rvc_sub(5, 7), 0xfffffffffffffffeull);
    CHECK_EQ("c.xor", rvc_xor(0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull), 0xf0f0f0f0f0f0f0f0ull);
    CHECK_EQ("c.or", rvc_or(0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull), 0xfff0fff0fff0fff0ull);
    CHECK_EQ("c.and", rvc_and(0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull), 0x0f000f000f000f00ull);
    CHECK_EQ("c.subw -1", rvc_subw(0, 1), 0xffffffffffffffffull);
    CHECK_EQ("c.subw overflow", rvc_subw(0xabcdef0080000000ull, 1), 0x7fffffff);
    CHECK_EQ("c.addw overflow", rvc_addw(0x7fffffff, 1), 0xffffffff80000000ull);
    CHECK_EQ("c.addw upper ignored", rvc_addw(0x100000005ull, 0xf00000003ull), 8);
    CHECK_EQ("c.add", rvc_add(0x7fffffffffffffffull, 1), 0x8000000000000000ull);
    CHECK_EQ("c.mv", rvc_mv(1, 0x123456789abcdef0ull), 0x123456789abcdef0ull);
    CHECK_EQ("c.nop", rvc_nop(0x5a5a), 0x5a5a);
}

static void control(void)
{
    CHECK_EQ("c.j forward/backward", rvc_j(), 7);
    CHECK_EQ("c.beqz taken", rvc_beqz(0), 1);
    CHECK_EQ("c.beqz not taken", rvc_beqz(0x100000000ull), 0);
    CHECK_EQ("c.bnez taken (high bits)", rvc_bnez(0x100000000ull), 1);
    CHECK_EQ("c.bnez not taken", rvc_bnez(0), 0);
    CHECK_EQ("c.bnez backward loop", rvc_bnez_loop(10), 55);
    CHECK_EQ("c.beqz backward", rvc_beqz_back(), 3);
    CHECK_EQ("c.jr", rvc_jr(), 5);
    CHECK_EQ("c.jalr link = pc+2", rvc_jalr_link(), 2);
    CHECK_EQ("c.jalr ra", rvc_jalr_ra(), 9);

    trap_expect();
    uint64_t at = rvc_ebreak();
    trap_hook = 0;
    CHECK_EQ("c.ebreak traps once", last_trap.count, 1);
    CHECK_EQ("c.ebreak scause", last_trap.scause, CAUSE_BREAKPOINT);
    CHECK_EQ("c.ebreak sepc", last_trap.sepc - at, 0);
}

static void mixed(void)
{
    CHECK_EQ("32-bit at 2 mod 4", rvc_mixed(), 0x12345 + 0x678);
    CHECK_EQ("jump to 32-bit at 2 mod 4", rvc_mixed_jump(), 3);
    CHECK_EQ("32-bit across a page", rvc_page_cross(), 0x556);
}

int main(void)
{
    test_begin("rvc");
    stack_based();
    reg_based();
    immediates();
    reg_reg();
    control();
    mixed();
    return test_end();
}
