/*
 * The ns16550a UART at 0x10000000 (QEMU virt's, and the one tsvisor's guests get): registers that a driver
 * relies on, and output written straight to the transmitter rather than through the SBI console.
 */
#include "test.h"

#define UART ((volatile unsigned char *)0x10000000UL)
#define RBR_THR 0
#define IER 1
#define IIR_FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7
#define DLL 0
#define DLM 1

static void uart_putc(char c)
{
    while (!(UART[LSR] & 0x20))
        ;
    UART[RBR_THR] = c;
}

static void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

int main(void)
{
    test_begin("uart");
    UART[SCR] = 0x5a;
    CHECK_EQ("scratch register", UART[SCR], 0x5a);
    /* No output while DLAB is set: the console shares this UART, and THR is the divisor latch then. */
    UART[LCR] = 0x80; /* DLAB: divisor latches */
    UART[DLL] = 0x0c;
    UART[DLM] = 0x00;
    unsigned dll = UART[DLL], dlm = UART[DLM];
    UART[LCR] = 0x03; /* 8N1, DLAB off */
    CHECK_EQ("divisor low", dll, 0x0c);
    CHECK_EQ("divisor high", dlm, 0x00);
    CHECK_EQ("lcr 8n1", UART[LCR], 0x03);
    UART[IIR_FCR] = 0x07; /* FIFOs on and cleared */
    CHECK_EQ("iir fifos enabled", UART[IIR_FCR] & 0xc0, 0xc0);
    CHECK_EQ("iir no interrupt", UART[IIR_FCR] & 0x0f, 0x01);
    CHECK("lsr transmitter empty", (UART[LSR] & 0x60) == 0x60);
    CHECK_EQ("lsr no data", UART[LSR] & 0x01, 0);
    CHECK_EQ("ier starts clear", UART[IER], 0);
    uart_puts("hello through the ns16550a UART\n");
    for (int i = 1; i <= 3; i++) {
        uart_puts("line ");
        uart_putc('0' + i);
        uart_puts(" of 3\n");
    }
    return test_end();
}
