/* The sparse least-squares gradient pass in C, the ceiling that `MpiDescent bench` is compared with on sparse files
 * (docs/performance.md, "Sparse data"): the same rows from a float64 sparse data file (docs/data-format.md), the same
 * pass (per row the margin x.w + b, r = margin - y, then g += r x), and a plain read of the same indices and values,
 * interleaved in pairs; prints the medians and their ratio as `bench` does. Two margin loops are timed: scalar with
 * four chains (gcc -O3 -march=native), and 8-wide AVX-512 gathers where the compiler targets them.
 * Build: gcc -O3 -march=native -o out/sparse_pass bench/sparse_pass.c
 * Usage: out/sparse_pass FILE.bin [REPEAT] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, n, sizeof *v, compare);
    return v[n / 2];
}

static void fail(const char *path, const char *what) {
    fprintf(stderr, "%s: %s\n", path, what);
    exit(2);
}

static int64_t m, nnz;
static int d;
static int64_t *offsets;
static int32_t *indices;
static double *values, *labels, *w, *g;
static volatile double sink;

static void read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    unsigned char h[128];
    if (!f || fread(h, 1, 128, f) != 128 || memcmp(h, "MPIDSCNT", 8) != 0) fail(path, "not a MpiDescent data file");
    if (h[29] != 1) fail(path, "dense rows: this reference takes sparse files");
    if (h[28] != 1) fail(path, "float32 values: this reference takes float64 files");
    if (*(uint16_t *)(h + 30) != 0) fail(path, "example weights: this reference takes files without them");
    memcpy(&m, h + 16, 8);
    memcpy(&d, h + 24, 4);
    memcpy(&nnz, h + 56, 8);
    int32_t block, names, classes;
    memcpy(&block, h + 32, 4);
    memcpy(&names, h + 36, 4);
    memcpy(&classes, h + 64, 4);
    fseek(f, 128L + names + classes, SEEK_SET);
    offsets = malloc((m + 1) * sizeof *offsets);
    indices = aligned_alloc(64, (nnz * 4 + 127) / 64 * 64);
    values = aligned_alloc(64, (nnz * 8 + 127) / 64 * 64);
    labels = malloc(m * sizeof *labels);
    int32_t *counts = malloc(block * sizeof *counts);
    offsets[0] = 0;
    for (int64_t first = 0; first < m; first += block) {
        int n = (int)(m - first < block ? m - first : block);
        if (fread(counts, 4, n, f) != (size_t)n || fread(labels + first, 8, n, f) != (size_t)n) fail(path, "short");
        for (int i = 0; i < n; i++) offsets[first + i + 1] = offsets[first + i] + counts[i];
        int64_t z = offsets[first + n] - offsets[first];
        if (fread(indices + offsets[first], 4, z, f) != (size_t)z || fread(values + offsets[first], 8, z, f) != (size_t)z)
            fail(path, "short");
    }
    free(counts);
    fclose(f);
    w = aligned_alloc(64, ((size_t)d * 8 + 63) / 64 * 64);
    g = aligned_alloc(64, ((size_t)d * 8 + 63) / 64 * 64);
    for (int j = 0; j < d; j++) w[j] = 0.01 * ((j % 7) - 3), g[j] = 0;
}

static void plain_read(void) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t q0 = 0, q1 = 0;
    int64_t k = 0;
    for (; k + 4 <= nnz; k += 4) {
        s0 += values[k], s1 += values[k + 1], s2 += values[k + 2], s3 += values[k + 3];
        q0 += indices[k] + indices[k + 1], q1 += indices[k + 2] + indices[k + 3];
    }
    for (; k < nnz; k++) s0 += values[k], q0 += indices[k];
    sink += s0 + s1 + s2 + s3 + (double)(q0 + q1);
}

static void pass_scalar(void) {
    double b = 0.01;
    for (int64_t i = 0; i < m; i++) {
        int64_t k = offsets[i], e = offsets[i + 1];
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (; k + 4 <= e; k += 4) {
            a0 += values[k] * w[indices[k]], a1 += values[k + 1] * w[indices[k + 1]];
            a2 += values[k + 2] * w[indices[k + 2]], a3 += values[k + 3] * w[indices[k + 3]];
        }
        for (; k < e; k++) a0 += values[k] * w[indices[k]];
        double r = (a0 + a1) + (a2 + a3) + b - labels[i];
        for (k = offsets[i]; k < e; k++) g[indices[k]] += r * values[k];
    }
    sink += g[0];
}

#ifdef __AVX512F__
static void pass_gather(void) {
    double b = 0.01;
    for (int64_t i = 0; i < m; i++) {
        int64_t k = offsets[i], e = offsets[i + 1];
        __m512d a = _mm512_setzero_pd();
        for (; k + 8 <= e; k += 8)
            a = _mm512_fmadd_pd(_mm512_loadu_pd(values + k),
                _mm512_i32gather_pd(_mm256_loadu_si256((const __m256i *)(indices + k)), w, 8), a);
        double z = _mm512_reduce_add_pd(a);
        for (; k < e; k++) z += values[k] * w[indices[k]];
        double r = z + b - labels[i];
        for (k = offsets[i]; k < e; k++) g[indices[k]] += r * values[k];
    }
    sink += g[0];
}
#endif

/* Times `kernel` against the plain read in `repeat` interleaved pairs; returns the median seconds of both. */
static void pair(void (*kernel)(void), int repeat, double *read_s, double *kernel_s) {
    double *r = malloc(repeat * sizeof *r), *k = malloc(repeat * sizeof *k);
    for (int i = 0; i < repeat; i++) {
        double t = now();
        plain_read();
        r[i] = now() - t;
        t = now();
        kernel();
        k[i] = now() - t;
    }
    *read_s = median(r, repeat);
    *kernel_s = median(k, repeat);
    free(r);
    free(k);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.bin [REPEAT]\n", argv[0]);
        return 2;
    }
    int repeat = argc > 2 ? atoi(argv[2]) : 15;
    read_file(argv[1]);
    double bytes = nnz * 12.0, read_s, kernel_s;
    pass_scalar(); /* warm-up: pages touched, caches filled */
    pair(pass_scalar, repeat, &read_s, &kernel_s);
    printf("C reference: %lld rows x %d features, %lld nonzeros, median of %d\n", (long long)m, d, (long long)nnz,
        repeat);
    printf("  plain read          %6.2f GB/s\n", bytes / read_s / 1e9);
    printf("  pass, scalar        %6.2f GB/s   = %.1f %% of the plain read (%.3f ms)\n", bytes / kernel_s / 1e9,
        100 * read_s / kernel_s, 1e3 * kernel_s);
#ifdef __AVX512F__
    pair(pass_gather, repeat, &read_s, &kernel_s);
    printf("  pass, AVX-512 gather %5.2f GB/s   = %.1f %% of the plain read (%.3f ms)\n", bytes / kernel_s / 1e9,
        100 * read_s / kernel_s, 1e3 * kernel_s);
#endif
    return 0;
}
