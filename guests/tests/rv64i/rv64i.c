/*
 * RV64I: every base instruction in its 32-bit encoding (.option norvc), with edge cases.
 * Expected values are literal constants worked out by hand from the ISA manual.
 */
#include "test.h"

#define NORVC(s) ".option push\n.option norvc\n" s "\n.option pop\n"

/* register-register and register-immediate operations */
#define RR(op, a, b) ({ uint64_t r_; \
    __asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })
#define RI(op, a, imm) ({ uint64_t r_; \
    __asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint64_t)(a)), "i"(imm)); r_; })
/* loads: op rd, off(base) */
#define LD_(op, base, off) ({ uint64_t r_; \
    __asm__ volatile(NORVC(op " %0, %2(%1)") : "=r"(r_) : "r"(base), "i"(off) : "memory"); r_; })
/* stores: op value, off(base) */
#define ST_(op, val, base, off) \
    __asm__ volatile(NORVC(op " %0, %2(%1)") :: "r"((uint64_t)(val)), "r"(base), "i"(off) : "memory")
/* branches: 1 if taken, 0 if not */
#define BR(op, a, b) ({ uint64_t t_ = 1; \
    __asm__ volatile(NORVC(op " %1, %2, 1f\n li %0, 0\n1:") : "+r"(t_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); t_; })

static uint8_t buf[64] __attribute__((aligned(16)));
static uint8_t page2[8192] __attribute__((aligned(4096)));
static uint32_t code[16] __attribute__((aligned(16)));

static void fill_buf(void)
{
    static const uint8_t pattern[16] = { 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
                                         0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x7f };
    for (int i = 0; i < 64; i++)
        buf[i] = pattern[i % 16];
}

/* hide pointer arithmetic from the compiler's bounds analysis */
static uint8_t *at(uint8_t *p, long off)
{
    __asm__("" : "+r"(p));
    return p + off;
}

static uint64_t ld64(const void *p)
{
    return *(volatile const uint64_t *)p;
}

static void arith(void)
{
    CHECK_EQ("add", RR("add", 5, 7), 12);
    CHECK_EQ("add wrap", RR("add", 0x7fffffffffffffffull, 1), 0x8000000000000000ull);
    CHECK_EQ("add neg", RR("add", -1, -1), -2);
    CHECK_EQ("sub", RR("sub", 7, 5), 2);
    CHECK_EQ("sub neg", RR("sub", 0, 1), 0xffffffffffffffffull);
    CHECK_EQ("sub wrap", RR("sub", 0x8000000000000000ull, 1), 0x7fffffffffffffffull);
    CHECK_EQ("and", RR("and", 0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull), 0x0f000f000f000f00ull);
    CHECK_EQ("or", RR("or", 0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull), 0xfff0fff0fff0fff0ull);
    CHECK_EQ("xor", RR("xor", 0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull), 0xf0f0f0f0f0f0f0f0ull);
    CHECK_EQ("slt neg<pos", RR("slt", -1, 1), 1);
    CHECK_EQ("slt pos<neg", RR("slt", 1, -1), 0);
    CHECK_EQ("slt equal", RR("slt", -5, -5), 0);
    CHECK_EQ("slt min<max", RR("slt", 0x8000000000000000ull, 0x7fffffffffffffffull), 1);
    CHECK_EQ("sltu neg<pos", RR("sltu", -1, 1), 0);
    CHECK_EQ("sltu pos<neg", RR("sltu", 1, -1), 1);
    CHECK_EQ("sltu 0<1", RR("sltu", 0, 1), 1);
    CHECK_EQ("snez via sltu", RR("sltu", 0, 12345), 1);

    CHECK_EQ("addi", RI("addi", 1, 2047), 2048);
    CHECK_EQ("addi -2048", RI("addi", 0, -2048), 0xfffffffffffff800ull);
    CHECK_EQ("addi -1", RI("addi", 0, -1), 0xffffffffffffffffull);
    CHECK_EQ("addi wrap", RI("addi", 0x7fffffffffffffffull, 1), 0x8000000000000000ull);
    CHECK_EQ("andi neg imm", RI("andi", 0x123456789abcdef7ull, -16), 0x123456789abcdef0ull);
    CHECK_EQ("andi pos imm", RI("andi", 0xffffffffffffffffull, 0x7ff), 0x7ff);
    CHECK_EQ("ori neg imm", RI("ori", 0x1200, -2048), 0xfffffffffffffa00ull);
    CHECK_EQ("ori", RI("ori", 0x1200, 0x34), 0x1234);
    CHECK_EQ("xori -1 (not)", RI("xori", 0x0123456789abcdefull, -1), 0xfedcba9876543210ull);
    CHECK_EQ("xori", RI("xori", 0xff, 0x0f), 0xf0);
    CHECK_EQ("slti neg imm true", RI("slti", -5, -4), 1);
    CHECK_EQ("slti neg imm false", RI("slti", 0, -1), 0);
    CHECK_EQ("slti -2048", RI("slti", 0x8000000000000000ull, -2048), 1);
    CHECK_EQ("slti 2047", RI("slti", 2047, 2047), 0);
    CHECK_EQ("sltiu -1 imm", RI("sltiu", 5, -1), 1);
    CHECK_EQ("sltiu all-ones vs -1", RI("sltiu", 0xffffffffffffffffull, -1), 0);
    CHECK_EQ("sltiu seqz 0", RI("sltiu", 0, 1), 1);
    CHECK_EQ("sltiu seqz 1", RI("sltiu", 1, 1), 0);
    CHECK_EQ("sltiu neg reg", RI("sltiu", -2048, -2047), 1);
}

static void shifts(void)
{
    const uint64_t v = 0x8123456789abcdefull;
    CHECK_EQ("slli 0", RI("slli", v, 0), v);
    CHECK_EQ("slli 31", RI("slli", v, 31), 0xc4d5e6f780000000ull);
    CHECK_EQ("slli 32", RI("slli", v, 32), 0x89abcdef00000000ull);
    CHECK_EQ("slli 63", RI("slli", v, 63), 0x8000000000000000ull);
    CHECK_EQ("srli 0", RI("srli", v, 0), v);
    CHECK_EQ("srli 31", RI("srli", v, 31), 0x102468acfull);
    CHECK_EQ("srli 32", RI("srli", v, 32), 0x81234567ull);
    CHECK_EQ("srli 63", RI("srli", v, 63), 1);
    CHECK_EQ("srai 0", RI("srai", v, 0), v);
    CHECK_EQ("srai 31", RI("srai", v, 31), 0xffffffff02468acfull);
    CHECK_EQ("srai 32", RI("srai", v, 32), 0xffffffff81234567ull);
    CHECK_EQ("srai 63", RI("srai", v, 63), 0xffffffffffffffffull);
    CHECK_EQ("srai 63 positive", RI("srai", 0x7fffffffffffffffull, 63), 0);
    CHECK_EQ("srai 4 positive", RI("srai", 0x7000000000000010ull, 4), 0x0700000000000001ull);

    CHECK_EQ("sll 0", RR("sll", v, 0), v);
    CHECK_EQ("sll 31", RR("sll", v, 31), 0xc4d5e6f780000000ull);
    CHECK_EQ("sll 32", RR("sll", v, 32), 0x89abcdef00000000ull);
    CHECK_EQ("sll 63", RR("sll", v, 63), 0x8000000000000000ull);
    CHECK_EQ("sll 64 masked", RR("sll", v, 64), v);
    CHECK_EQ("sll 65 masked", RR("sll", 1, 65), 2);
    CHECK_EQ("sll high bits masked", RR("sll", 1, 0xffffffffffffffc3ull), 8);
    CHECK_EQ("srl 0", RR("srl", v, 0), v);
    CHECK_EQ("srl 31", RR("srl", v, 31), 0x102468acfull);
    CHECK_EQ("srl 32", RR("srl", v, 32), 0x81234567ull);
    CHECK_EQ("srl 63", RR("srl", v, 63), 1);
    CHECK_EQ("srl 127 masked", RR("srl", v, 127), 1);
    CHECK_EQ("sra 0", RR("sra", v, 0), v);
    CHECK_EQ("sra 31", RR("sra", v, 31), 0xffffffff02468acfull);
    CHECK_EQ("sra 32", RR("sra", v, 32), 0xffffffff81234567ull);
    CHECK_EQ("sra 63", RR("sra", v, 63), 0xffffffffffffffffull);
    CHECK_EQ("sra -1 masked to 63", RR("sra", 0x8000000000000000ull, -1), 0xffffffffffffffffull);
    CHECK_EQ("sra positive", RR("sra", 0x4000000000000000ull, 62), 1);
}

static void words(void)
{
    CHECK_EQ("addiw overflow", RI("addiw", 0x7fffffff, 1), 0xffffffff80000000ull);
    CHECK_EQ("addiw upper ignored", RI("addiw", 0x123456789ull, 0), 0x23456789);
    CHECK_EQ("addiw sext.w", RI("addiw", 0x80000000ull, 0), 0xffffffff80000000ull);
    CHECK_EQ("addiw -1", RI("addiw", 0, -1), 0xffffffffffffffffull);
    CHECK_EQ("addiw -2048", RI("addiw", 0xffffffff00000000ull, -2048), 0xfffffffffffff800ull);
    CHECK_EQ("slliw 31", RI("slliw", 1, 31), 0xffffffff80000000ull);
    CHECK_EQ("slliw 0 sext", RI("slliw", 0x0000000180000000ull, 0), 0xffffffff80000000ull);
    CHECK_EQ("slliw drops high", RI("slliw", 0xffffffff00000003ull, 30), 0xffffffffc0000000ull);
    CHECK_EQ("slliw 1", RI("slliw", 0x40000000, 1), 0xffffffff80000000ull);
    CHECK_EQ("srliw 0 sext", RI("srliw", 0x80000000ull, 0), 0xffffffff80000000ull);
    CHECK_EQ("srliw 31", RI("srliw", 0xffffffff80000000ull, 31), 1);
    CHECK_EQ("srliw 1", RI("srliw", 0xffffffffffffffffull, 1), 0x7fffffff);
    CHECK_EQ("srliw upper ignored", RI("srliw", 0x1234567880000000ull, 4), 0x08000000);
    CHECK_EQ("sraiw 31", RI("sraiw", 0x80000000ull, 31), 0xffffffffffffffffull);
    CHECK_EQ("sraiw 4", RI("sraiw", 0x80000000ull, 4), 0xfffffffff8000000ull);
    CHECK_EQ("sraiw 0", RI("sraiw", 0x7fffffff, 0), 0x7fffffff);
    CHECK_EQ("sraiw upper ignored", RI("sraiw", 0xffffffff7fffffffull, 1), 0x3fffffff);
    CHECK_EQ("addw overflow", RR("addw", 0x7fffffff, 1), 0xffffffff80000000ull);
    CHECK_EQ("addw upper ignored", RR("addw", 0x100000001ull, 0x200000002ull), 3);
    CHECK_EQ("addw wrap to 0", RR("addw", 0xffffffff, 1), 0);
    CHECK_EQ("subw -1", RR("subw", 0, 1), 0xffffffffffffffffull);
    CHECK_EQ("subw overflow", RR("subw", 0x80000000ull, 1), 0x7fffffff);
    CHECK_EQ("subw upper ignored", RR("subw", 0x100000000ull, 0), 0);
    CHECK_EQ("subw to min", RR("subw", 0, 0x80000000ull), 0xffffffff80000000ull);
    CHECK_EQ("sllw 32 masked", RR("sllw", 1, 32), 1);
    CHECK_EQ("sllw 31", RR("sllw", 1, 31), 0xffffffff80000000ull);
    CHECK_EQ("sllw 63 masked", RR("sllw", 3, 63), 0xffffffff80000000ull);
    CHECK_EQ("sllw 0", RR("sllw", 0x12345678abcdef01ull, 0), 0xffffffffabcdef01ull);
    CHECK_EQ("srlw 32 masked", RR("srlw", 0xffffffff80000000ull, 32), 0xffffffff80000000ull);
    CHECK_EQ("srlw 31", RR("srlw", 0x80000000ull, 31), 1);
    CHECK_EQ("srlw 33 masked", RR("srlw", 0x80000000ull, 33), 0x40000000);
    CHECK_EQ("srlw upper ignored", RR("srlw", 0xffffffff0000ff00ull, 8), 0xff);
    CHECK_EQ("sraw 33 masked", RR("sraw", 0x80000000ull, 33), 0xffffffffc0000000ull);
    CHECK_EQ("sraw 31", RR("sraw", 0x80000000ull, 31), 0xffffffffffffffffull);
    CHECK_EQ("sraw positive", RR("sraw", 0xffffffff7fffffffull, 30), 1);
    CHECK_EQ("sraw 0 sext", RR("sraw", 0x00000000fffffffeull, 0), 0xfffffffffffffffeull);
}

static void upper(void)
{
    uint64_t r, pc;
    __asm__ volatile(NORVC("lui %0, 0x80000") : "=r"(r));
    CHECK_EQ("lui bit31 sext", r, 0xffffffff80000000ull);
    __asm__ volatile(NORVC("lui %0, 0xfffff") : "=r"(r));
    CHECK_EQ("lui 0xfffff", r, 0xfffffffffffff000ull);
    __asm__ volatile(NORVC("lui %0, 0x7ffff") : "=r"(r));
    CHECK_EQ("lui 0x7ffff", r, 0x7ffff000);
    __asm__ volatile(NORVC("lui %0, 1") : "=r"(r));
    CHECK_EQ("lui 1", r, 0x1000);
    __asm__ volatile(NORVC("1: auipc %0, 0\n lla %1, 1b") : "=r"(r), "=r"(pc));
    CHECK_EQ("auipc 0", r - pc, 0);
    __asm__ volatile(NORVC("1: auipc %0, 0x80000\n lla %1, 1b") : "=r"(r), "=r"(pc));
    CHECK_EQ("auipc bit31 sext", r - pc, 0xffffffff80000000ull);
    __asm__ volatile(NORVC("1: auipc %0, 0xfffff\n lla %1, 1b") : "=r"(r), "=r"(pc));
    CHECK_EQ("auipc -1 page", r - pc, 0xfffffffffffff000ull);
    __asm__ volatile(NORVC("1: auipc %0, 0x7ffff\n lla %1, 1b") : "=r"(r), "=r"(pc));
    CHECK_EQ("auipc 0x7ffff", r - pc, 0x7ffff000);
    __asm__ volatile(NORVC("1: auipc %0, 1\n lla %1, 1b") : "=r"(r), "=r"(pc));
    CHECK_EQ("auipc 1", r - pc, 0x1000);
}

static void loads_stores(void)
{
    fill_buf();
    uint8_t *b = buf + 16;
    CHECK_EQ("lb neg", LD_("lb", b, 0), 0xffffffffffffff80ull);
    CHECK_EQ("lb pos", LD_("lb", b, 8), 0x01);
    CHECK_EQ("lb 0x7f", LD_("lb", b, 15), 0x7f);
    CHECK_EQ("lb off -1", LD_("lb", b, -1), 0x7f);
    CHECK_EQ("lbu", LD_("lbu", b, 0), 0x80);
    CHECK_EQ("lbu off -16", LD_("lbu", b, -16), 0x80);
    CHECK_EQ("lh neg", LD_("lh", b, 0), 0xffffffffffff8180ull);
    CHECK_EQ("lh pos", LD_("lh", b, 8), 0x0201);
    CHECK_EQ("lhu", LD_("lhu", b, 0), 0x8180);
    CHECK_EQ("lhu off -2", LD_("lhu", b, -2), 0x7f07);
    CHECK_EQ("lw neg", LD_("lw", b, 4), 0xffffffff87868584ull);
    CHECK_EQ("lw pos", LD_("lw", b, 8), 0x04030201);
    CHECK_EQ("lwu", LD_("lwu", b, 4), 0x87868584);
    CHECK_EQ("lwu off -4", LD_("lwu", b, -4), 0x7f070605);
    CHECK_EQ("ld", LD_("ld", b, 0), 0x8786858483828180ull);
    CHECK_EQ("ld off 8", LD_("ld", b, 8), 0x7f07060504030201ull);
    CHECK_EQ("ld off -8", LD_("ld", b, -8), 0x7f07060504030201ull);
    CHECK_EQ("lb off 2047", LD_("lbu", at(buf, 16 - 2047 + 1), 2047), 0x81);
    CHECK_EQ("lb off -2048", LD_("lbu", at(buf, 16 + 2048 + 2), -2048), 0x82);

    memset(buf, 0xff, sizeof buf);
    ST_("sb", 0x1234567890abcd12ull, buf, 1);
    CHECK_EQ("sb", ld64(buf), 0xffffffffffff12ffull);
    ST_("sh", 0x1234567890abcdefull, buf, 2);
    CHECK_EQ("sh", ld64(buf), 0xffffffffcdef12ffull);
    ST_("sw", 0x1234567890abcdefull, buf, 4);
    CHECK_EQ("sw", ld64(buf), 0x90abcdefcdef12ffull);
    ST_("sd", 0x0123456789abcdefull, buf, 8);
    CHECK_EQ("sd", ld64(buf + 8), 0x0123456789abcdefull);
    CHECK_EQ("sd neighbours", ld64(buf) ^ ld64(buf + 16), 0x90abcdefcdef12ffull ^ 0xffffffffffffffffull);
    ST_("sd", 0x1111111111111111ull, buf + 32, -8);
    CHECK_EQ("sd off -8", ld64(buf + 24), 0x1111111111111111ull);
    ST_("sb", 0x22, at(buf, 40 - 2047), 2047);
    CHECK_EQ("sb off 2047", buf[40], 0x22);
}

static void misaligned(void)
{
    fill_buf();
    uint8_t *b = buf + 16;
    CHECK_EQ("misaligned lh", LD_("lh", b, 1), 0xffffffffffff8281ull);
    CHECK_EQ("misaligned lhu", LD_("lhu", b, 7), 0x0187);
    CHECK_EQ("misaligned lw 1", LD_("lw", b, 1), 0xffffffff84838281ull);
    CHECK_EQ("misaligned lw 2", LD_("lw", b, 2), 0xffffffff85848382ull);
    CHECK_EQ("misaligned lw 3", LD_("lw", b, 3), 0xffffffff86858483ull);
    CHECK_EQ("misaligned lwu 5", LD_("lwu", b, 5), 0x01878685);
    CHECK_EQ("misaligned ld 1", LD_("ld", b, 1), 0x0187868584838281ull);
    CHECK_EQ("misaligned ld 4", LD_("ld", b, 4), 0x0403020187868584ull);
    CHECK_EQ("misaligned ld 7", LD_("ld", b, 7), 0x0706050403020187ull);

    memset(buf, 0, sizeof buf);
    ST_("sh", 0xa1b2, buf, 1);
    ST_("sw", 0xc1c2c3c4, buf, 3);
    CHECK_EQ("misaligned sh+sw", ld64(buf), 0x0000c1c2c3c4a1b2ull << 8);
    ST_("sd", 0x1122334455667788ull, buf, 13);
    CHECK_EQ("misaligned sd lo", ld64(buf + 8), 0x6677880000000000ull);
    CHECK_EQ("misaligned sd hi", ld64(buf + 16), 0x0000001122334455ull);

    /* across a page boundary */
    uint8_t *p = page2 + 4096;
    for (int i = -8; i < 8; i++)
        p[i] = (uint8_t)(0x10 + i);
    CHECK_EQ("page-crossing ld", LD_("ld", p, -3), 0x14131211100f0e0dull);
    CHECK_EQ("page-crossing lw", LD_("lw", p, -1), 0x1211100f);
    ST_("sd", 0xdeadbeefcafef00dull, p, -5);
    CHECK_EQ("page-crossing sd", LD_("ld", p, -5), 0xdeadbeefcafef00dull);
    CHECK_EQ("page-crossing sd bytes", p[2], 0xde);
}

static void branches(void)
{
    CHECK_EQ("beq taken", BR("beq", -1, -1), 1);
    CHECK_EQ("beq not taken", BR("beq", 1, -1), 0);
    CHECK_EQ("bne taken", BR("bne", 0x100000000ull, 0), 1);
    CHECK_EQ("bne not taken", BR("bne", 7, 7), 0);
    CHECK_EQ("blt neg<pos taken", BR("blt", -1, 1), 1);
    CHECK_EQ("blt pos<neg not taken", BR("blt", 1, -1), 0);
    CHECK_EQ("blt equal not taken", BR("blt", 5, 5), 0);
    CHECK_EQ("blt min<max", BR("blt", 0x8000000000000000ull, 0x7fffffffffffffffull), 1);
    CHECK_EQ("bge pos>=neg taken", BR("bge", 1, -1), 1);
    CHECK_EQ("bge equal taken", BR("bge", -3, -3), 1);
    CHECK_EQ("bge neg>=pos not taken", BR("bge", -1, 1), 0);
    CHECK_EQ("bltu neg<pos not taken", BR("bltu", -1, 1), 0);
    CHECK_EQ("bltu pos<neg taken", BR("bltu", 1, -1), 1);
    CHECK_EQ("bltu equal not taken", BR("bltu", 9, 9), 0);
    CHECK_EQ("bgeu neg>=pos taken", BR("bgeu", -1, 1), 1);
    CHECK_EQ("bgeu equal taken", BR("bgeu", 0, 0), 1);
    CHECK_EQ("bgeu pos>=neg not taken", BR("bgeu", 1, 0x8000000000000000ull), 0);

    /* backward branch loop: sum 1..10 */
    uint64_t sum = 0, i = 10;
    __asm__ volatile(NORVC("1: add %0, %0, %1\n addi %1, %1, -1\n bne %1, zero, 1b") : "+r"(sum), "+r"(i));
    CHECK_EQ("backward bne loop", sum, 55);
}

static void jumps(void)
{
    uint64_t link, expect, t;
    __asm__ volatile(NORVC("jal %0, 1f\n2: nop\n nop\n1: lla %1, 2b") : "=&r"(link), "=r"(expect));
    CHECK_EQ("jal link", link - expect, 0);
    /* jal backward */
    __asm__ volatile(NORVC("j 3f\n1: lla %1, 2f\n j 4f\n3: jal %0, 1b\n2: nop\n4:") : "=&r"(link), "=r"(expect));
    CHECK_EQ("jal backward link", link - expect, 0);
    __asm__ volatile(NORVC("lla %2, 1f\n jalr %0, 0(%2)\n2: nop\n1: lla %1, 2b") : "=&r"(link), "=r"(expect), "=&r"(t));
    CHECK_EQ("jalr link", link - expect, 0);
    /* target = (rs1 + imm) & ~1: odd base */
    __asm__ volatile(NORVC("lla %2, 1f\n addi %2, %2, 1\n jalr %0, 0(%2)\n li %1, 0\n j 2f\n1: li %1, 1\n2:")
                     : "=&r"(link), "=&r"(expect), "=&r"(t));
    CHECK_EQ("jalr clears bit 0 (odd base)", expect, 1);
    /* odd offset */
    __asm__ volatile(NORVC("lla %2, 1f\n addi %2, %2, -7\n jalr %0, 8(%2)\n li %1, 0\n j 2f\n1: li %1, 1\n2:")
                     : "=&r"(link), "=&r"(expect), "=&r"(t));
    CHECK_EQ("jalr clears bit 0 (odd offset)", expect, 1);
    /* negative offset */
    __asm__ volatile(NORVC("lla %2, 1f\n addi %2, %2, 16\n jalr %0, -16(%2)\n li %1, 0\n j 2f\n1: li %1, 1\n2:")
                     : "=&r"(link), "=&r"(expect), "=&r"(t));
    CHECK_EQ("jalr negative offset", expect, 1);
    /* rd == rs1: target from the old value, then the link is written */
    __asm__ volatile(NORVC("lla %0, 1f\n jalr %0, 0(%0)\n2: li %1, 0\n j 3f\n1: lla %1, 2b\n3:")
                     : "=&r"(link), "=&r"(expect));
    CHECK_EQ("jalr rd==rs1", link - expect, 0);
    /* call/return through a real function pointer */
    __asm__ volatile(NORVC("lla %2, 5f\n jalr ra, 0(%2)\n j 6f\n5: li %0, 42\n jalr zero, 0(ra)\n6:")
                     : "=&r"(t), "=&r"(expect), "=&r"(link) :: "ra");
    CHECK_EQ("jalr call/ret", t, 42);
}

static void x0_writes(void)
{
    uint64_t r;
    __asm__ volatile(NORVC("li t0, 5\n addi zero, t0, 1\n add zero, t0, t0\n lui zero, 0x12345\n"
                           " auipc zero, 1\n mv %0, zero") : "=r"(r) :: "t0");
    CHECK_EQ("x0 after alu writes", r, 0);
    __asm__ volatile(NORVC("ld zero, 0(%1)\n add %0, zero, zero") : "=r"(r) : "r"(buf) : "memory");
    CHECK_EQ("x0 after load", r, 0);
    __asm__ volatile(NORVC("jal zero, 1f\n1: lla t0, 2f\n jalr zero, 0(t0)\n2: or %0, zero, zero") : "=r"(r) :: "t0");
    CHECK_EQ("x0 after jal/jalr", r, 0);
}

static uint64_t call_code(void)
{
    uint64_t r;
    __asm__ volatile("jalr ra, 0(%1)\n mv %0, a0" : "=r"(r) : "r"(code) : "ra", "a0", "memory");
    return r;
}

static void fences(void)
{
    __asm__ volatile(NORVC("fence\n fence rw, rw\n fence r, r\n fence w, w\n fence iorw, iorw\n fence.tso")
                     ::: "memory");
    CHECK("fence variants execute", 1);
    /* self-modifying code: FENCE.I must make new instructions visible */
    code[0] = 0x00100513; /* addi a0, zero, 1 */
    code[1] = 0x00008067; /* jalr zero, 0(ra) */
    __asm__ volatile("fence.i" ::: "memory");
    CHECK_EQ("fence.i first code", call_code(), 1);
    code[0] = 0x00200513; /* addi a0, zero, 2 */
    __asm__ volatile("fence.i" ::: "memory");
    CHECK_EQ("fence.i rewritten code", call_code(), 2);
    code[0] = 0x7ff00513; /* addi a0, zero, 2047 */
    __asm__ volatile("fence.i" ::: "memory");
    CHECK_EQ("fence.i rewritten again", call_code(), 2047);
}

int main(void)
{
    test_begin("rv64i");
    arith();
    shifts();
    words();
    upper();
    loads_stores();
    misaligned();
    branches();
    jumps();
    x0_writes();
    fences();
    return test_end();
}
