#include <stdarg.h>
#include "test.h"

uint64_t boot_hartid, boot_dtb;
unsigned test_checks, test_failures;
static const char *test_name = "?";
int (*trap_hook)(struct trap_frame *frame);
volatile struct trap_record last_trap;

void user_return(long value) __attribute__((noreturn));

/* ---- output ---- */

void putchar_(int ch)
{
    sbi_console_putchar(ch);
}

void puts_(const char *s)
{
    while (*s)
        putchar_(*s++);
}

static void put_padded(const char *s, int len, int width, char pad)
{
    for (int i = len; i < width; i++)
        putchar_(pad);
    for (int i = 0; i < len; i++)
        putchar_(s[i]);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            putchar_(*p);
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        while (*p == 'l' || *p == 'z') {
            longs++;
            p++;
        }
        char buf[24];
        int n = 0;
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            do
                buf[sizeof buf - 1 - n++] = '0' + u % 10;
            while (u /= 10);
            if (v < 0)
                buf[sizeof buf - 1 - n++] = '-';
            put_padded(buf + sizeof buf - n, n, width, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'p': {
            uint64_t u = *p == 'p' ? (uint64_t)va_arg(ap, void *)
                         : longs  ? va_arg(ap, uint64_t)
                                  : va_arg(ap, unsigned);
            unsigned base = *p == 'u' ? 10 : 16;
            const char *digits = *p == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            do
                buf[sizeof buf - 1 - n++] = digits[u % base];
            while (u /= base);
            put_padded(buf + sizeof buf - n, n, width, pad);
            break;
        }
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            put_padded(buf, 1, width, pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            put_padded(s, (int)strlen(s), width, ' ');
            break;
        }
        case '%':
            putchar_('%');
            break;
        case '\0':
            p--;
            break;
        default:
            putchar_('%');
            putchar_(*p);
            break;
        }
    }
    va_end(ap);
    return 0;
}

/* ---- checks ---- */

void test_begin(const char *name)
{
    test_name = name;
    test_checks = test_failures = 0;
    printf("== %s ==\n", name);
}

void check_eq(const char *name, uint64_t got, uint64_t expected)
{
    test_checks++;
    if (got == expected) {
        printf("ok %s\n", name);
    } else {
        test_failures++;
        printf("FAIL %s: got 0x%lx expected 0x%lx\n", name, got, expected);
    }
}

void check_true(const char *name, int cond)
{
    test_checks++;
    if (cond) {
        printf("ok %s\n", name);
    } else {
        test_failures++;
        printf("FAIL %s\n", name);
    }
}

int test_end(void)
{
    if (test_failures)
        printf("FAIL %s (%u of %u checks failed)\n", test_name, test_failures, test_checks);
    else
        printf("PASS %s (%u checks)\n", test_name, test_checks);
    sbi_shutdown(test_failures != 0);
}

void test_abort(const char *why)
{
    printf("FAIL %s: %s\n", test_name, why);
    sbi_shutdown(1);
}

void guest_exit(int code)
{
    if (code)
        printf("FAIL %s: main returned %d\n", test_name, code);
    sbi_shutdown(code != 0);
}

/* ---- traps ---- */

void trap_handler(struct trap_frame *f)
{
    if (f->scause == CAUSE_USER_ECALL && f->regs[17] == USER_EXIT_MAGIC)
        user_return((long)f->regs[10]);
    if (trap_hook && trap_hook(f))
        return;
    printf("unexpected trap scause=0x%lx sepc=0x%lx stval=0x%lx\n", f->scause, f->sepc, f->stval);
    test_abort("unexpected trap");
}

unsigned insn_length(uint64_t addr)
{
    uint16_t lo = *(volatile uint16_t *)addr;
    return (lo & 3) == 3 ? 4 : 2;
}

int trap_skip_hook(struct trap_frame *f)
{
    if (f->scause & SCAUSE_INTERRUPT)
        return 0;
    last_trap.count++;
    last_trap.scause = f->scause;
    last_trap.sepc = f->sepc;
    last_trap.stval = f->stval;
    f->sepc += insn_length(f->sepc);
    return 1;
}

void trap_expect(void)
{
    last_trap.count = last_trap.scause = last_trap.sepc = last_trap.stval = 0;
    trap_hook = trap_skip_hook;
}
