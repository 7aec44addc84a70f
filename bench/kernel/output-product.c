// The output product of a lane step in isolation: a 151,936 x 64 f32 matrix times 1 or 8
// columns, in wasm SIMD as our engine's ggml does it, and with a kernel that loads each matrix
// row once for two columns. Every dot product adds in the same order (four 4-wide partial sums
// over steps of 16, folded 0+2, 1+3, then 0+1, then the lanes left to right), so all three give
// the same bits. Built and run by bench/kernel.bench.ts; prints one JSON line.
#include <wasm_simd128.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROWS = 151936, K = 64, MAX_COLS = 8, BLOCK = 16, ROUNDS = 7 };

typedef void (*dot_fn)(int n, float * out, const float * x, const float * y);

static float fold(v128_t a0, v128_t a1, v128_t a2, v128_t a3) {
    a0 = wasm_f32x4_add(a0, a2);
    a1 = wasm_f32x4_add(a1, a3);
    a0 = wasm_f32x4_add(a0, a1);
    return wasm_f32x4_extract_lane(a0, 0) + wasm_f32x4_extract_lane(a0, 1) + wasm_f32x4_extract_lane(a0, 2) +
           wasm_f32x4_extract_lane(a0, 3);
}

static v128_t mul_add(v128_t acc, const float * x, const float * y) {
    return wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x), wasm_v128_load(y)), acc);
}

__attribute__((noinline)) static void dot(int n, float * out, const float * x, const float * y) {
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i < n; i += 16) {
        a0 = mul_add(a0, x + i, y + i);
        a1 = mul_add(a1, x + i + 4, y + i + 4);
        a2 = mul_add(a2, x + i + 8, y + i + 8);
        a3 = mul_add(a3, x + i + 12, y + i + 12);
    }
    *out = fold(a0, a1, a2, a3);
}

// ggml's order of work: blocks of 16 columns x 16 rows, one call through a pointer per dot
// product, each block's results copied out of a scratch array.
static volatile dot_fn dot_ptr = dot;

static void row_by_row(const float * w, const float * y, float * out, int cols) {
    float scratch[BLOCK];
    for (int c0 = 0; c0 < cols; c0 += BLOCK) {
        for (int r0 = 0; r0 < ROWS; r0 += BLOCK) {
            for (int c = c0; c < c0 + BLOCK && c < cols; c++) {
                for (int r = r0; r < r0 + BLOCK && r < ROWS; r++) dot_ptr(K, &scratch[r - r0], w + (size_t) r * K, y + c * K);
                memcpy(out + (size_t) c * ROWS + r0, scratch, sizeof scratch);
            }
        }
    }
}

// Each matrix row is loaded once for two columns.
static void two_columns_at_once(const float * w, const float * y, float * out, int cols) {
    for (int r = 0; r < ROWS; r++) {
        const float * x = w + (size_t) r * K;
        for (int c = 0; c < cols; c += 2) {
            const float * p = y + c * K;
            const float * q = y + (c + 1 < cols ? c + 1 : c) * K;
            v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int i = 0; i < K; i += 16) {
                const v128_t x0 = wasm_v128_load(x + i), x1 = wasm_v128_load(x + i + 4);
                const v128_t x2 = wasm_v128_load(x + i + 8), x3 = wasm_v128_load(x + i + 12);
                a0 = wasm_f32x4_add(wasm_f32x4_mul(x0, wasm_v128_load(p + i)), a0);
                a1 = wasm_f32x4_add(wasm_f32x4_mul(x1, wasm_v128_load(p + i + 4)), a1);
                a2 = wasm_f32x4_add(wasm_f32x4_mul(x2, wasm_v128_load(p + i + 8)), a2);
                a3 = wasm_f32x4_add(wasm_f32x4_mul(x3, wasm_v128_load(p + i + 12)), a3);
                b0 = wasm_f32x4_add(wasm_f32x4_mul(x0, wasm_v128_load(q + i)), b0);
                b1 = wasm_f32x4_add(wasm_f32x4_mul(x1, wasm_v128_load(q + i + 4)), b1);
                b2 = wasm_f32x4_add(wasm_f32x4_mul(x2, wasm_v128_load(q + i + 8)), b2);
                b3 = wasm_f32x4_add(wasm_f32x4_mul(x3, wasm_v128_load(q + i + 12)), b3);
            }
            out[(size_t) c * ROWS + r] = fold(a0, a1, a2, a3);
            if (c + 1 < cols) out[(size_t) (c + 1) * ROWS + r] = fold(b0, b1, b2, b3);
        }
    }
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare_doubles(const void * a, const void * b) {
    const double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

typedef void (*product_fn)(const float *, const float *, float *, int);

static double median_ms(product_fn product, const float * w, const float * y, float * out, int cols) {
    double times[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        const double start = now_ms();
        product(w, y, out, cols);
        times[round] = now_ms() - start;
    }
    qsort(times, ROUNDS, sizeof times[0], compare_doubles);
    return times[ROUNDS / 2];
}

int main(void) {
    float * w = malloc(sizeof(float) * ROWS * K);
    float * y = malloc(sizeof(float) * MAX_COLS * K);
    float * a = malloc(sizeof(float) * MAX_COLS * ROWS);
    float * b = malloc(sizeof(float) * MAX_COLS * ROWS);
    if (!w || !y || !a || !b) return 1;
    uint32_t state = 1;
    for (size_t i = 0; i < (size_t) ROWS * K; i++) w[i] = (float) ((state = state * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
    for (int i = 0; i < MAX_COLS * K; i++) y[i] = (float) ((state = state * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
    const double one = median_ms(row_by_row, w, y, a, 1);
    const double eight = median_ms(row_by_row, w, y, a, MAX_COLS);
    const double shared = median_ms(two_columns_at_once, w, y, b, MAX_COLS);
    const int identical = memcmp(a, b, sizeof(float) * MAX_COLS * ROWS) == 0;
    printf("{\"rows\":%d,\"k\":%d,\"oneColumnMs\":%.3f,\"eightColumnsMs\":%.3f,\"eightSharedMs\":%.3f,\"identical\":%s}\n",
           ROWS, K, one, eight, shared, identical ? "true" : "false");
    return identical ? 0 : 1;
}
