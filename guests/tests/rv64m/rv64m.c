/* RV64M: multiply and divide, with large, negative, zero-divisor and overflow operands. */
#include "test.h"

#define RR(op, a, b) ({ uint64_t r_; \
    __asm__ volatile(".option push\n.option norvc\n" op " %0, %1, %2\n.option pop" \
                     : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })

#define MIN64 0x8000000000000000ull
#define MAX64 0x7fffffffffffffffull
#define ONES  0xffffffffffffffffull

static void mul(void)
{
    CHECK_EQ("mul", RR("mul", 6, 7), 42);
    CHECK_EQ("mul neg", RR("mul", -6, 7), -42);
    CHECK_EQ("mul neg*neg", RR("mul", -6, -7), 42);
    CHECK_EQ("mul wrap", RR("mul", 0x123456789abcdefull, 0xfedcba987654321ull), 0x22236d88fe5618cfull);
    CHECK_EQ("mul min*-1", RR("mul", MIN64, -1), MIN64);
    CHECK_EQ("mul ones*ones", RR("mul", ONES, ONES), 1);
    CHECK_EQ("mulh small", RR("mulh", 6, 7), 0);
    CHECK_EQ("mulh neg small", RR("mulh", -6, 7), ONES);
    CHECK_EQ("mulh -1*-1", RR("mulh", -1, -1), 0);
    CHECK_EQ("mulh min*min", RR("mulh", MIN64, MIN64), 0x4000000000000000ull);
    CHECK_EQ("mulh min*max", RR("mulh", MIN64, MAX64), 0xc000000000000000ull);
    CHECK_EQ("mulh big", RR("mulh", 0x123456789abcdefull, 0xfedcba987654321ull), 0x121fa00ad77d74);
    CHECK_EQ("mulh neg big", RR("mulh", 0x8123456789abcdefull, 0x0fedcba987654321ull),
             0xf81b39cb4724dbe3ull);
    CHECK_EQ("mulhu ones*ones", RR("mulhu", ONES, ONES), 0xfffffffffffffffeull);
    CHECK_EQ("mulhu ones*2", RR("mulhu", ONES, 2), 1);
    CHECK_EQ("mulhu min*min", RR("mulhu", MIN64, MIN64), 0x4000000000000000ull);
    CHECK_EQ("mulhu big", RR("mulhu", 0x8123456789abcdefull, 0x0fedcba987654321ull), 0x08090574ce8a1f04ull);
    CHECK_EQ("mulhsu -1*ones", RR("mulhsu", -1, ONES), ONES);
    CHECK_EQ("mulhsu -1*1", RR("mulhsu", -1, 1), ONES);
    CHECK_EQ("mulhsu 1*ones", RR("mulhsu", 1, ONES), 0);
    CHECK_EQ("mulhsu min*ones", RR("mulhsu", MIN64, ONES), 0x8000000000000000ull);
    CHECK_EQ("mulhsu neg big", RR("mulhsu", 0x8123456789abcdefull, 0xfedcba9876543210ull), 0x81b39cb4724dbe3aull);
    CHECK_EQ("mulhsu pos big", RR("mulhsu", 0x0123456789abcdefull, 0xfedcba9876543210ull), 0x0121fa00ad77d742ull);
    CHECK_EQ("mulhsu max*ones", RR("mulhsu", MAX64, ONES), 0x7ffffffffffffffeull);
    CHECK_EQ("mulw", RR("mulw", 0x10000, 0x10000), 0);
    CHECK_EQ("mulw sext", RR("mulw", 0x10000, 0x8000), 0xffffffff80000000ull);
    CHECK_EQ("mulw upper ignored", RR("mulw", 0xabcdef0000000003ull, 0x1234567800000005ull), 15);
    CHECK_EQ("mulw neg", RR("mulw", -3, 5), -15);
    CHECK_EQ("mulw wrap", RR("mulw", 0x7fffffff, 0x7fffffff), 1);
}

static void divide(void)
{
    CHECK_EQ("div", RR("div", 42, 5), 8);
    CHECK_EQ("div neg dividend", RR("div", -42, 5), -8);
    CHECK_EQ("div neg divisor", RR("div", 42, -5), -8);
    CHECK_EQ("div neg both", RR("div", -42, -5), 8);
    CHECK_EQ("div by zero", RR("div", 42, 0), ONES);
    CHECK_EQ("div neg by zero", RR("div", -42, 0), ONES);
    CHECK_EQ("div overflow", RR("div", MIN64, -1), MIN64);
    CHECK_EQ("div min by 1", RR("div", MIN64, 1), MIN64);
    CHECK_EQ("div big", RR("div", 0x7edcba9876543210ull, 0x12345), 0x6f8027a28e16);
    CHECK_EQ("divu", RR("divu", 42, 5), 8);
    CHECK_EQ("divu neg dividend", RR("divu", -42, 5), 0x333333333333332aull);
    CHECK_EQ("divu by ones", RR("divu", 42, ONES), 0);
    CHECK_EQ("divu ones by ones", RR("divu", ONES, ONES), 1);
    CHECK_EQ("divu by zero", RR("divu", 42, 0), ONES);
    CHECK_EQ("divu min by -1", RR("divu", MIN64, -1), 0);
    CHECK_EQ("rem", RR("rem", 42, 5), 2);
    CHECK_EQ("rem neg dividend", RR("rem", -42, 5), -2);
    CHECK_EQ("rem neg divisor", RR("rem", 42, -5), 2);
    CHECK_EQ("rem neg both", RR("rem", -42, -5), -2);
    CHECK_EQ("rem by zero", RR("rem", -42, 0), -42);
    CHECK_EQ("rem overflow", RR("rem", MIN64, -1), 0);
    CHECK_EQ("remu", RR("remu", 42, 5), 2);
    CHECK_EQ("remu neg dividend", RR("remu", -42, 5), 4);
    CHECK_EQ("remu by zero", RR("remu", -42, 0), -42);
    CHECK_EQ("remu by ones", RR("remu", 42, ONES), 42);
    CHECK_EQ("remu ones by ones", RR("remu", ONES, ONES), 0);
}

static void divide_words(void)
{
    CHECK_EQ("divw", RR("divw", 42, 5), 8);
    CHECK_EQ("divw neg", RR("divw", -42, 5), -8);
    CHECK_EQ("divw upper ignored", RR("divw", 0x123456780000002aull, 0xffffffff00000005ull), 8);
    CHECK_EQ("divw neg from low word", RR("divw", 0x00000000ffffffd6ull, 5), -8);
    CHECK_EQ("divw by zero", RR("divw", 42, 0), ONES);
    CHECK_EQ("divw by zero low word", RR("divw", 42, 0x100000000ull), ONES);
    CHECK_EQ("divw overflow", RR("divw", 0x80000000ull, 0xffffffffull), 0xffffffff80000000ull);
    CHECK_EQ("divw result sext", RR("divw", 0x80000000ull, 1), 0xffffffff80000000ull);
    CHECK_EQ("divuw", RR("divuw", 0xffffffd6ull, 5), 0x3333332a);
    CHECK_EQ("divuw sext", RR("divuw", 0xffffffffull, 1), ONES);
    CHECK_EQ("divuw upper ignored", RR("divuw", 0xdeadbeef00000064ull, 0x123400000000000aull), 10);
    CHECK_EQ("divuw by zero", RR("divuw", 42, 0), ONES);
    CHECK_EQ("divuw 0x80000000 by -1", RR("divuw", 0x80000000ull, 0xffffffffull), 0);
    CHECK_EQ("remw", RR("remw", -42, 5), -2);
    CHECK_EQ("remw neg divisor", RR("remw", 42, -5), 2);
    CHECK_EQ("remw by zero", RR("remw", 0x12345678fffffff0ull, 0), 0xfffffffffffffff0ull);
    CHECK_EQ("remw by zero pos", RR("remw", 0xffffffff00000007ull, 0), 7);
    CHECK_EQ("remw overflow", RR("remw", 0x80000000ull, 0xffffffffull), 0);
    CHECK_EQ("remuw", RR("remuw", 0xffffffd6ull, 5), 4);
    CHECK_EQ("remuw by zero sext", RR("remuw", 0x80000001ull, 0), 0xffffffff80000001ull);
    CHECK_EQ("remuw upper ignored", RR("remuw", 0x1111111100000064ull, 0x220000000000000bull), 1);
    CHECK_EQ("remuw sext", RR("remuw", 0xfffffffeull, 0xffffffffull), 0xfffffffffffffffeull);
}

int main(void)
{
    test_begin("rv64m");
    mul();
    divide();
    divide_words();
    return test_end();
}
