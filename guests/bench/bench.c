/*
 * Benchmark: integer, memory and floating-point kernels, each printing a deterministic checksum.
 * The workload scales with SCALE; at SCALE 4 the whole run is about 400 million instructions.
 * Built with -ffp-contract=off (no fused multiply-add), so the floating-point checksums equal those of
 * any IEEE 754 host build: `cc -O2 -ffp-contract=off -DBENCH_HOST bench/bench.c -lm` runs it natively.
 * -DBENCH_REPORT prints each kernel's instret delta (exact instruction counts under QEMU -icount shift=0).
 */
#ifdef BENCH_HOST
#include <stdint.h>
#include <stdio.h>
#include <string.h>
static unsigned checks, failures;
#define test_begin(n) printf("== %s ==\n", n)
#define CHECK(n, c) (checks++, (c) ? printf("ok %s\n", n) : (failures++, printf("FAIL %s\n", n)))
#define test_end() (printf(failures ? "FAIL bench\n" : "PASS bench (%u checks)\n", checks), failures != 0)
#else
#include "test.h"
#endif

#ifndef SCALE
#define SCALE 4
#endif

/* ---- shared data ---- */
#define BUF_BYTES (256 * 1024)
static uint8_t buf_a[BUF_BYTES] __attribute__((aligned(64)));
static uint8_t buf_b[BUF_BYTES + 64] __attribute__((aligned(64)));
static uint32_t words[64 * 1024];

static uint64_t rng_state;
static uint64_t rng(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

#ifdef BENCH_REPORT
#define REPORT_BEGIN() uint64_t report_i0 = CSR_READ(instret)
#define REPORT_END(name) printf("  [%s: %lu instructions]\n", name, CSR_READ(instret) - report_i0)
#else
#define REPORT_BEGIN() do { } while (0)
#define REPORT_END(name) do { } while (0)
#endif

/* ---- integer kernels ---- */

static uint64_t sieve(unsigned limit)
{
    uint8_t *composite = buf_b; /* limit <= BUF_BYTES * 8 is not needed: bytes, limit <= BUF_BYTES */
    memset(composite, 0, limit);
    uint64_t count = 0, sum = 0;
    for (unsigned i = 2; i < limit; i++) {
        if (composite[i])
            continue;
        count++;
        sum += i;
        for (unsigned j = i * 2; j < limit; j += i)
            composite[j] = 1;
    }
    return (count << 40) ^ sum;
}

static uint32_t crc_table[256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, unsigned n)
{
    uint32_t c = 0xffffffffu;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* bitwise CRC32 (no table): shifts and branches */
static uint32_t crc32_bitwise(const uint8_t *p, unsigned n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return c ^ 0xffffffffu;
}

static void sift_down(uint32_t *a, unsigned start, unsigned end)
{
    unsigned root = start;
    while (2 * root + 1 < end) {
        unsigned child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void heapsort(uint32_t *a, unsigned n)
{
    for (unsigned i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (unsigned end = n; end-- > 1;) {
        uint32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

static void quicksort(uint32_t *a, long lo, long hi)
{
    while (lo < hi) {
        uint32_t pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                uint32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static int sorted(const uint32_t *a, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

static uint64_t sort_checksum(const uint32_t *a, unsigned n)
{
    uint64_t h = 0;
    for (unsigned i = 0; i < n; i += 97)
        h = mix(h, a[i]);
    return h;
}

#define HT_BITS 15
static uint64_t ht_keys[1u << HT_BITS];
static uint32_t ht_vals[1u << HT_BITS];

static uint64_t hash64(uint64_t x) /* murmur3 finalizer */
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* insert n keys (n < table size) with linear probing, then look up 2n keys, half of them absent */
static uint64_t hashtable(unsigned n, uint64_t seed, unsigned *found)
{
    const uint64_t mask = (1u << HT_BITS) - 1;
    memset(ht_keys, 0, sizeof ht_keys);
    for (unsigned i = 0; i < n; i++) {
        uint64_t k = hash64(seed + i) | 1;
        uint64_t s = hash64(k) & mask;
        while (ht_keys[s] && ht_keys[s] != k)
            s = (s + 1) & mask;
        ht_keys[s] = k;
        ht_vals[s] = i;
    }
    uint64_t h = 0;
    unsigned hits = 0;
    for (unsigned i = 0; i < 2 * n; i++) {
        uint64_t k = hash64(seed + i) | 1;
        uint64_t s = hash64(k) & mask;
        while (ht_keys[s] && ht_keys[s] != k)
            s = (s + 1) & mask;
        if (ht_keys[s] == k) {
            hits++;
            h = mix(h, ht_vals[s] ^ s);
        }
    }
    *found = hits;
    return h;
}

/* FNV-1a over bytes */
static uint64_t fnv1a(const uint8_t *p, unsigned n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    while (n--)
        h = (h ^ *p++) * 0x100000001b3ull;
    return h;
}

/* ---- memory kernels ---- */

static uint64_t sum_words(const uint8_t *p, unsigned n)
{
    const uint64_t *q = (const uint64_t *)p;
    uint64_t s = 0;
    for (unsigned i = 0; i < n / 8; i++)
        s = s * 31 + q[i];
    return s;
}

static uint64_t strided(const uint8_t *p, unsigned n, unsigned stride, unsigned passes)
{
    uint64_t s = 0;
    for (unsigned k = 0; k < passes; k++)
        for (unsigned off = k % stride; off < n; off += stride)
            s += p[off] ^ k;
    return s;
}

/* ---- floating-point kernels ---- */

#define MAT_N 96
static double mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static uint64_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static double matmul(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            double s = 0.0;
            for (int k = 0; k < MAT_N; k++)
                s += mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = s;
        }
    double t = 0.0;
    for (int i = 0; i < MAT_N; i++)
        t += mat_c[i][i] - mat_c[i][MAT_N - 1 - i] * 0.5;
    return t;
}

static uint64_t mandelbrot(int w, int h, int max_iter, float *sum)
{
    uint64_t total = 0;
    float acc = 0.0f;
    for (int y = 0; y < h; y++) {
        float ci = -1.25f + 2.5f * (float)y / (float)h;
        for (int x = 0; x < w; x++) {
            float cr = -2.0f + 2.75f * (float)x / (float)w;
            float zr = 0.0f, zi = 0.0f;
            int it = 0;
            while (it < max_iter && zr * zr + zi * zi <= 4.0f) {
                float t = zr * zr - zi * zi + cr;
                zi = 2.0f * zr * zi + ci;
                zr = t;
                it++;
            }
            total += it;
            acc += zr * 0.001f;
        }
    }
    *sum = acc;
    return total;
}

/* n-body (5 bodies, the classic benchmark's data), double precision with sqrt and division */
#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
struct body {
    double x, y, z, vx, vy, vz, mass;
};
static struct body bodies[5];

static void nbody_init(void)
{
    static const struct body init[5] = {
        { 0, 0, 0, 0, 0, 0, SOLAR_MASS },
        { 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
          1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
          -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS },
        { 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
          -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
          2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS },
        { 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
          2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
          -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS },
        { 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
          2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
          -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS },
    };
    memcpy(bodies, init, sizeof bodies);
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < 5; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static double nbody_energy(void)
{
    double e = 0.0;
    for (int i = 0; i < 5; i++) {
        struct body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < 5; j++) {
            struct body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            e -= b->mass * c->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void nbody_advance(int steps, double dt)
{
    while (steps--) {
        for (int i = 0; i < 5; i++) {
            struct body *b = &bodies[i];
            for (int j = i + 1; j < 5; j++) {
                struct body *c = &bodies[j];
                double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * __builtin_sqrt(d2));
                b->vx -= dx * c->mass * mag;
                b->vy -= dy * c->mass * mag;
                b->vz -= dz * c->mass * mag;
                c->vx += dx * b->mass * mag;
                c->vy += dy * b->mass * mag;
                c->vz += dz * b->mass * mag;
            }
        }
        for (int i = 0; i < 5; i++) {
            bodies[i].x += dt * bodies[i].vx;
            bodies[i].y += dt * bodies[i].vy;
            bodies[i].z += dt * bodies[i].vz;
        }
    }
}

/* ---- driver ---- */

int main(void)
{
    test_begin("bench");
    printf("scale %d\n", SCALE);

    /* sieve */
    {
        REPORT_BEGIN();
        uint64_t h = 0;
        for (int r = 0; r < 2 * SCALE; r++)
            h = mix(h, sieve(BUF_BYTES - 1024 * r));
        uint64_t first = sieve(100000);
        REPORT_END("sieve");
        printf("sieve    %016lx\n", h);
        CHECK("sieve primes below 100000", (first >> 40) == 9592);
    }

    /* CRC32, table and bitwise */
    {
        REPORT_BEGIN();
        rng_state = 0x123456789abcdefull;
        for (unsigned i = 0; i < BUF_BYTES; i += 8) {
            uint64_t v = rng();
            memcpy(buf_a + i, &v, 8);
        }
        crc32_init();
        uint64_t h = 0;
        for (int r = 0; r < 3 * SCALE; r++)
            h = mix(h, crc32(buf_a + r, BUF_BYTES - 64));
        h = mix(h, crc32_bitwise(buf_a, BUF_BYTES / 4 * SCALE / 4));
        REPORT_END("crc32");
        printf("crc32    %016lx\n", h);
        CHECK("crc32 check value", crc32((const uint8_t *)"123456789", 9) == 0xcbf43926u &&
                                       crc32_bitwise((const uint8_t *)"123456789", 9) == 0xcbf43926u);
    }

    /* sorting */
    {
        REPORT_BEGIN();
        const unsigned n = sizeof words / sizeof words[0];
        uint64_t h = 0;
        int ok = 1;
        rng_state = 0xfeedfacecafebeefull;
        for (int r = 0; r < SCALE; r++) {
            for (unsigned i = 0; i < n; i++)
                words[i] = (uint32_t)(rng() >> 32);
            if (r & 1)
                heapsort(words, n);
            else
                quicksort(words, 0, n - 1);
            ok &= sorted(words, n);
            h = mix(h, sort_checksum(words, n));
        }
        REPORT_END("sort");
        printf("sort     %016lx\n", h);
        CHECK("sort output sorted", ok);
    }

    /* hashing */
    {
        REPORT_BEGIN();
        uint64_t h = 0;
        unsigned found, all = 1;
        for (int r = 0; r < 3 * SCALE; r++) {
            h = mix(h, hashtable(20000, 1000003ull * r, &found));
            all &= found == 20000;
        }
        h = mix(h, fnv1a(buf_a, BUF_BYTES / 2 * SCALE / 4));
        REPORT_END("hash");
        printf("hash     %016lx\n", h);
        CHECK("hash table finds all keys", all);
    }

    /* memcpy / memset */
    {
        REPORT_BEGIN();
        uint64_t h = 0;
        for (int r = 0; r < 12 * SCALE; r++) {
            memset(buf_b, r, BUF_BYTES);
            memcpy(buf_b, buf_a, BUF_BYTES);
            memcpy(buf_a + (r & 7) * 8, buf_b + 32, BUF_BYTES - 64);
            h = mix(h, sum_words(buf_a, BUF_BYTES));
        }
        memcpy(buf_b + 1, buf_a + 2, BUF_BYTES / 8); /* unaligned: byte loop */
        h = mix(h, sum_words(buf_b, BUF_BYTES / 8));
        REPORT_END("memory");
        printf("memory   %016lx\n", h);
    }

    /* strided reads */
    {
        REPORT_BEGIN();
        uint64_t h = 0;
        h = mix(h, strided(buf_a, BUF_BYTES, 64, 64 * SCALE));
        h = mix(h, strided(buf_b, BUF_BYTES, 4104, 4096 * SCALE));
        h = mix(h, strided(buf_a, BUF_BYTES, 8, 8 * SCALE));
        REPORT_END("strided");
        printf("strided  %016lx\n", h);
    }

    /* double matrix multiply */
    {
        REPORT_BEGIN();
        for (int i = 0; i < MAT_N; i++)
            for (int j = 0; j < MAT_N; j++) {
                mat_a[i][j] = (double)((i * 7 + j * 3) % 17) / 8.0 - 1.0;
                mat_b[i][j] = (double)((i * 5 + j * 11) % 13) * 0.1 + (i == j ? 1.0 : 0.0);
            }
        double t = 0.0;
        for (int r = 0; r < 2 * SCALE; r++) {
            t += matmul();
            for (int i = 0; i < MAT_N; i++)
                for (int j = 0; j < MAT_N; j++)
                    mat_a[i][j] = mat_c[i][j] / (1.0 + mat_c[i][j] * mat_c[i][j]);
        }
        REPORT_END("matmul");
        printf("matmul   %016lx\n", dbits(t));
    }

    /* float mandelbrot */
    {
        REPORT_BEGIN();
        float acc;
        uint64_t iters = mandelbrot(64 * SCALE, 48 * SCALE, 200, &acc);
        REPORT_END("mandel");
        printf("mandel   %016lx %08lx\n", iters, fbits(acc));
    }

    /* n-body */
    {
        REPORT_BEGIN();
        nbody_init();
        double e0 = nbody_energy();
        nbody_advance(25000 * SCALE, 0.01);
        double e1 = nbody_energy();
        REPORT_END("nbody");
        printf("nbody    %016lx %016lx\n", dbits(e0), dbits(e1));
        CHECK("nbody energy conserved", e1 - e0 < 1e-4 && e0 - e1 < 1e-4);
    }

    return test_end();
}
