/*
 * Minimal QEMU TCG plugin (plugin API version 1, QEMU 7.2): counts guest instructions executed by all harts
 * and rewrites the total, as a decimal line, into out=PATH every 10 ms and at exit. qemu-check.py --icount
 * reads it once the guest sits idle at the shell prompt. Run QEMU with -icount shift=0: that makes TCG
 * single-threaded, so the shared counter needs no atomics. The count is per translated block (as QEMU's
 * contrib/plugins insn counter in inline mode): a block left early by a trap still counts whole.
 *
 *   cc -shared -fPIC -O2 -o insn-count.so insn-count.c -lpthread
 *   qemu-system-riscv64 ... -icount shift=0 -plugin ./insn-count.so,out=/tmp/count
 *
 * The few declarations needed are copied from QEMU's include/qemu/qemu-plugin.h (Debian ships no header).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct {
    const char *target_name;
    struct { int min; int cur; } version;
    bool system_emulation;
    union { struct { int smp_vcpus; int max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t id, void *userdata),
                                    void *userdata);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

static volatile uint64_t insns;
static char path[4096];

static void dump(void)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%llu\n", (unsigned long long)insns);
    fclose(f);
    rename(tmp, path);
}

static void *writer(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        dump();
    }
    return NULL;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, (void *)&insns,
                                             qemu_plugin_tb_n_insns(tb));
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    dump();
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0)
            snprintf(path, sizeof path, "%s", argv[i] + 4);
    if (!path[0]) {
        fprintf(stderr, "insn-count: needs out=PATH\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    pthread_detach(t);
    return 0;
}
