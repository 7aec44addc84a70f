// Thread count for the experimental multi-threaded (Emscripten pthreads) build of the C API;
// see docs/engine-threads.md. engine/playground.cpp is compiled unchanged with
// -Dllama_init_from_model=pg_mt_init_from_model -Dllama_free=pg_mt_free, so its fixed
// n_threads = 1 is replaced here by the count set with pg_set_threads before pg_load, and the
// context gets one persistent ggml threadpool (without it ggml starts and joins its threads
// on every decode).

#include "ggml-cpu.h"
#include "llama.h"

extern "C" {

static int g_threads = 1;
static int g_poll = 0;
static ggml_threadpool * g_pool = nullptr;

// n: threads per decode (1..64); poll: ggml's spin level before a worker sleeps (0..100), or
// -1 for no persistent pool (ggml then starts and joins threads on every decode).
__attribute__((visibility("default"))) int pg_set_threads(int n, int poll) {
    if (n < 1 || n > 64 || poll < -1 || poll > 100) return -1;
    g_threads = n;
    g_poll = poll;
    return 0;
}

llama_context * pg_mt_init_from_model(llama_model * model, llama_context_params params) {
    params.n_threads = g_threads;
    params.n_threads_batch = g_threads;
    llama_context * ctx = llama_init_from_model(model, params);
    if (ctx != nullptr && g_threads > 1 && g_poll >= 0) {
        ggml_threadpool_params tp = ggml_threadpool_params_default(g_threads);
        tp.poll = (uint32_t) g_poll;
        g_pool = ggml_threadpool_new(&tp);
        if (g_pool != nullptr) llama_attach_threadpool(ctx, g_pool, g_pool);
    }
    return ctx;
}

void pg_mt_free(llama_context * ctx) {
    llama_free(ctx);
    if (g_pool != nullptr) ggml_threadpool_free(g_pool);
    g_pool = nullptr;
}
}
