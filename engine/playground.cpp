// The C API of playground.h over llama.cpp (its contract is written there). Built by
// tools/build-engine.ts into static/engine/playground-llama.wasm; the TypeScript binding in
// src/lib/engines/llama/ calls it. Everything here checks arguments before llama.cpp sees
// them, because this build cannot catch a C++ exception: a throw aborts the instance.

#ifndef _GNU_SOURCE
#define _GNU_SOURCE // fopencookie
#endif
#include "playground.h"

#include "gguf.h"
#include "llama.h"
#include "llama-arch.h"

#include <wasm_simd128.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

namespace {

struct state {
    llama_model * model = nullptr;
    llama_context * ctx = nullptr;
    const llama_vocab * vocab = nullptr;
    int32_t n_vocab = 0;
    int32_t n_ctx = 0;
    int32_t n_seq_max = 0;
    bool streams = false; // one KV stream per sequence (n_seq_max > 1)
    std::string architecture;
    std::string last_error;
    std::string last_log_error; // the last ERROR line llama.cpp or ggml logged
    std::string meta;
    std::vector<uint8_t> last_rows; // which rows of the last batch have logits
};

state & S() {
    static state s;
    return s;
}

int fail(int code, const std::string & message) {
    S().last_error = message;
    return code;
}

// llama.cpp reports most failures through its log before returning an error code.
std::string with_log(const std::string & message) {
    const std::string & log = S().last_log_error;
    return log.empty() ? message : message + ": " + log;
}

void on_log(ggml_log_level level, const char * text, void *) {
    if (level != GGML_LOG_LEVEL_ERROR || text == nullptr) return;
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) S().last_log_error = line;
    std::fprintf(stderr, "%s\n", line.c_str());
}

void on_abort(const char * message) {
    S().last_error = std::string("llama.cpp aborted: ") + (message ? message : "(no message)");
}

bool loaded() { return S().ctx != nullptr; }

int no_model() { return fail(PG_ERR_NO_MODEL, "no model is loaded"); }

bool valid_token(int32_t id) { return id >= 0 && id < S().n_vocab; }

bool valid_seq(int32_t seq) { return seq >= 0 && seq < S().n_seq_max; }

// The model file, read through the host's pg_host_read as a stdio stream, so the file never
// sits in wasm memory whole: llama.cpp reads each tensor straight into its own buffer.
struct host_file {
    uint64_t size = 0;
    uint64_t pos = 0;
};

ssize_t host_file_read(void * cookie, char * buf, size_t len) {
    host_file & f = *static_cast<host_file *>(cookie);
    if (f.pos >= f.size) return 0;
    const uint64_t want = std::min<uint64_t>({ (uint64_t) len, f.size - f.pos, (uint64_t) INT32_MAX });
    const int32_t got = pg_host_read((double) f.pos, buf, (int32_t) want);
    if (got < 0 || (uint64_t) got > want) return -1;
    f.pos += (uint64_t) got;
    return got;
}

int host_file_seek(void * cookie, off_t * offset, int whence) {
    host_file & f = *static_cast<host_file *>(cookie);
    const int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t) f.pos : (int64_t) f.size;
    const int64_t to = base + (int64_t) *offset;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return -1;
    if (to < 0 || (uint64_t) to > f.size) return -1;
    f.pos = (uint64_t) to;
    *offset = (off_t) to;
    return 0;
}

FILE * open_host_file(host_file & file) {
    cookie_io_functions_t io = {};
    io.read = host_file_read;
    io.seek = host_file_seek;
    return fopencookie(&file, "rb", io);
}

// The checks that keep a malformed file from reaching the loader (which would throw): a GGUF
// header, a known architecture, and every tensor inside the file. Leaves the stream anywhere.
int check_gguf(FILE * file, uint64_t size, std::string & architecture) {
    char magic[4] = {};
    if (size < 8 || std::fread(magic, 1, 4, file) != 4 || std::memcmp(magic, "GGUF", 4) != 0) {
        return fail(PG_ERR_MODEL, "not a GGUF file (the first four bytes are not \"GGUF\")");
    }
    std::rewind(file);
    S().last_log_error.clear();
    gguf_init_params params = { /*no_alloc =*/ true, /*ctx =*/ nullptr };
    gguf_context * gguf = gguf_init_from_file_ptr(file, params);
    if (gguf == nullptr) return fail(PG_ERR_MODEL, with_log("the GGUF header cannot be read"));
    int status = PG_OK;
    const int64_t key = gguf_find_key(gguf, "general.architecture");
    if (key < 0 || gguf_get_kv_type(gguf, key) != GGUF_TYPE_STRING) {
        status = fail(PG_ERR_MODEL, "the file names no architecture (general.architecture)");
    } else {
        architecture = gguf_get_val_str(gguf, key);
        if (llm_arch_from_string(architecture) == LLM_ARCH_UNKNOWN) {
            status = fail(PG_ERR_MODEL, "this build does not know the architecture \"" + architecture + "\"");
        }
    }
    const uint64_t data = gguf_get_data_offset(gguf);
    for (int64_t i = 0; status == PG_OK && i < gguf_get_n_tensors(gguf); i++) {
        const uint64_t offset = gguf_get_tensor_offset(gguf, i);
        const uint64_t length = gguf_get_tensor_size(gguf, i);
        if (data > size || offset > size - data || length > size - data - offset) {
            status = fail(PG_ERR_MODEL, std::string("tensor ") + gguf_get_tensor_name(gguf, i) +
                                            " lies beyond the end of the file (truncated download?)");
        }
    }
    gguf_free(gguf);
    return status;
}

// e^y for y <= 0, four at a time in f32 (within about 2e-7 relative; 0 below -87, for -inf and
// NaN). For the figures of pg_logits_summary only, never for a decision.
v128_t exp_nonpositive(v128_t y) {
    const v128_t t = wasm_f32x4_mul(y, wasm_f32x4_splat(1.44269504f)); // y / ln 2
    const v128_t n = wasm_f32x4_nearest(t);
    const v128_t g = wasm_f32x4_mul(wasm_f32x4_sub(t, n), wasm_f32x4_splat(0.693147181f)); // |g| <= ln2 / 2
    v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
    for (const float c : { 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f }) {
        p = wasm_f32x4_add(wasm_f32x4_mul(p, g), wasm_f32x4_splat(c));
    }
    const v128_t in_range = wasm_f32x4_ge(n, wasm_f32x4_splat(-126.0f)); // false for -inf and NaN
    const v128_t exponent = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_v128_and(wasm_f32x4_mul(p, exponent), in_range);
}

float lanes_sum(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
           wasm_f32x4_extract_lane(v, 3);
}

} // namespace

// No exception runtime here: report what was thrown, then abort (the caller recreates the
// instance). Standard exception types are recognised so their message survives.
extern "C" void * __cxa_allocate_exception(size_t size) noexcept {
    void * p = std::malloc(size);
    if (p == nullptr) std::abort();
    return p;
}

extern "C" [[noreturn]] void __cxa_throw(void * thrown, std::type_info * type, void (*)(void *)) {
    const char * what = nullptr;
    if (*type == typeid(std::runtime_error)) what = static_cast<std::runtime_error *>(thrown)->what();
    else if (*type == typeid(std::invalid_argument)) what = static_cast<std::invalid_argument *>(thrown)->what();
    else if (*type == typeid(std::out_of_range)) what = static_cast<std::out_of_range *>(thrown)->what();
    else if (*type == typeid(std::length_error)) what = static_cast<std::length_error *>(thrown)->what();
    else if (*type == typeid(std::logic_error)) what = static_cast<std::logic_error *>(thrown)->what();
    else if (*type == typeid(std::bad_alloc)) what = "out of memory";
    S().last_error = std::string("llama.cpp failed and the engine stopped: ") + (what ? what : type->name());
    std::fprintf(stderr, "%s\n", S().last_error.c_str());
    std::abort();
}

extern "C" {

void * pg_alloc(size_t size) { return size == 0 ? nullptr : std::malloc(size); }

void pg_free(void * ptr) { std::free(ptr); }

const char * pg_last_error(void) { return S().last_error.c_str(); }

int pg_load(double file_size, int32_t n_ctx, int32_t kv_type, int32_t n_seq_max) {
    state & s = S();
    s.last_error.clear();
    if (s.model != nullptr) return fail(PG_ERR_NO_MODEL, "a model is already loaded (unload it first)");
    if (!(file_size >= 0 && file_size <= 9007199254740992.0) || file_size != (double) (uint64_t) file_size) {
        return fail(PG_ERR_ARGUMENT, "the file size must be a whole number of bytes");
    }
    if (n_ctx < 0 || n_ctx > 1048576) return fail(PG_ERR_ARGUMENT, "n_ctx must be in 0..1048576");
    if (kv_type != PG_KV_F32 && kv_type != PG_KV_F16) return fail(PG_ERR_ARGUMENT, "kv_type must be 0 (f32) or 1 (f16)");
    if (n_seq_max < 1 || n_seq_max > 256) return fail(PG_ERR_ARGUMENT, "n_seq_max must be in 1..256");

    static bool initialised = false;
    if (!initialised) {
        llama_log_set(on_log, nullptr);
        ggml_set_abort_callback(on_abort);
        llama_backend_init();
        initialised = true;
    }

    host_file source;
    source.size = (uint64_t) file_size;
    FILE * file = open_host_file(source);
    if (file == nullptr) return fail(PG_ERR_MEMORY, "cannot open the model file as a stream");
    std::string architecture;
    if (int status = check_gguf(file, source.size, architecture); status != PG_OK) {
        std::fclose(file);
        return status;
    }
    std::rewind(file);
    llama_model_params mparams = llama_model_default_params();
    mparams.load_mode = LLAMA_LOAD_MODE_NONE;
    mparams.use_extra_bufts = false;
    s.last_log_error.clear();
    llama_model * model = llama_model_load_from_file_ptr(file, mparams);
    std::fclose(file);
    if (model == nullptr) return fail(PG_ERR_MODEL, with_log("llama.cpp could not load the model"));

    const int32_t n_train = llama_model_n_ctx_train(model);
    const int32_t ctx_len = n_ctx > 0 ? n_ctx : (n_train > 0 ? n_train : 4096);
    if ((int64_t) ctx_len * n_seq_max > 4194304) {
        llama_model_free(model);
        return fail(PG_ERR_ARGUMENT, "n_ctx x n_seq_max must be at most 4194304 cells");
    }
    // Several sequences get a KV stream each, so a lane's cells sit where they would in a run
    // of its own: decoded in one batch it gives bit-identical logits. In one shared (unified)
    // stream its cells land elsewhere and attention sums in another order (~1e-6 apart).
    const bool streams = n_seq_max > 1;
    llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = (uint32_t) ctx_len * (uint32_t) n_seq_max;
    cparams.n_batch = (uint32_t) ctx_len;
    cparams.n_ubatch = (uint32_t) (ctx_len < 512 ? ctx_len : 512);
    cparams.n_seq_max = (uint32_t) n_seq_max;
    cparams.n_threads = 1;
    cparams.n_threads_batch = 1;
    cparams.kv_unified = !streams;
    cparams.type_k = kv_type == PG_KV_F16 ? GGML_TYPE_F16 : GGML_TYPE_F32;
    cparams.type_v = cparams.type_k;
    cparams.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cparams.no_perf = true;
    s.last_log_error.clear();
    llama_context * ctx = llama_init_from_model(model, cparams);
    if (ctx == nullptr) {
        llama_model_free(model);
        return fail(PG_ERR_MEMORY, with_log("llama.cpp could not create a context"));
    }
    s.model = model;
    s.ctx = ctx;
    s.vocab = llama_model_get_vocab(model);
    s.n_vocab = llama_vocab_n_tokens(s.vocab);
    s.n_ctx = ctx_len;
    s.n_seq_max = n_seq_max;
    s.streams = streams;
    s.architecture = architecture;
    s.last_rows.clear();
    return PG_OK;
}

void pg_unload(void) {
    state & s = S();
    if (s.ctx != nullptr) llama_free(s.ctx);
    if (s.model != nullptr) llama_model_free(s.model);
    s.ctx = nullptr;
    s.model = nullptr;
    s.vocab = nullptr;
    s.n_vocab = s.n_ctx = s.n_seq_max = 0;
    s.streams = false;
    s.architecture.clear();
    s.last_rows.clear();
}

int32_t pg_n_vocab(void) { return loaded() ? S().n_vocab : -1; }
int32_t pg_n_ctx(void) { return loaded() ? S().n_ctx : -1; }
int32_t pg_n_ctx_train(void) { return loaded() ? llama_model_n_ctx_train(S().model) : -1; }
int32_t pg_n_seq_max(void) { return loaded() ? S().n_seq_max : -1; }
int32_t pg_token_bos(void) { return loaded() ? llama_vocab_bos(S().vocab) : -1; }
int32_t pg_token_eos(void) { return loaded() ? llama_vocab_eos(S().vocab) : -1; }
int32_t pg_token_eot(void) { return loaded() ? llama_vocab_eot(S().vocab) : -1; }
int32_t pg_token_sep(void) { return loaded() ? llama_vocab_sep(S().vocab) : -1; }
int32_t pg_token_nl(void) { return loaded() ? llama_vocab_nl(S().vocab) : -1; }
int32_t pg_token_pad(void) { return loaded() ? llama_vocab_pad(S().vocab) : -1; }
int32_t pg_add_bos(void) { return loaded() ? (llama_vocab_get_add_bos(S().vocab) ? 1 : 0) : -1; }

int32_t pg_token_is_eog(int32_t token) {
    if (!loaded()) return no_model();
    if (!valid_token(token)) return fail(-1, "token id " + std::to_string(token) + " is outside the vocabulary");
    return llama_vocab_is_eog(S().vocab, token) ? 1 : 0;
}

int32_t pg_token_is_control(int32_t token) {
    if (!loaded()) return no_model();
    if (!valid_token(token)) return fail(-1, "token id " + std::to_string(token) + " is outside the vocabulary");
    return llama_vocab_is_control(S().vocab, token) ? 1 : 0;
}

const char * pg_architecture(void) { return loaded() ? S().architecture.c_str() : nullptr; }

const char * pg_chat_template(void) { return loaded() ? llama_model_chat_template(S().model, nullptr) : nullptr; }

int32_t pg_eog_tokens(int32_t * out, int32_t capacity) {
    if (!loaded()) return no_model();
    if (capacity < 0 || (out == nullptr && capacity > 0)) return fail(PG_ERR_ARGUMENT, "capacity must be >= 0");
    int32_t n = 0;
    for (int32_t id = 0; id < S().n_vocab; id++) {
        if (!llama_vocab_is_eog(S().vocab, id)) continue;
        if (n < capacity) out[n] = id;
        n++;
    }
    return n;
}

int32_t pg_chat_apply(const char * const * roles, const char * const * contents, int32_t n_messages,
                      int32_t add_assistant, char * out, int32_t capacity) {
    if (!loaded()) return no_model();
    if (n_messages < 0 || capacity < 0 || (out == nullptr && capacity > 0)) {
        return fail(PG_ERR_ARGUMENT, "the message count and capacity must be >= 0");
    }
    if (n_messages > 0 && (roles == nullptr || contents == nullptr)) return fail(PG_ERR_ARGUMENT, "no messages");
    std::vector<llama_chat_message> chat((size_t) n_messages);
    for (int32_t i = 0; i < n_messages; i++) {
        if (roles[i] == nullptr || contents[i] == nullptr) {
            return fail(PG_ERR_ARGUMENT, "message " + std::to_string(i) + " has no role or content");
        }
        chat[(size_t) i] = { roles[i], contents[i] };
    }
    const char * tmpl = llama_model_chat_template(S().model, nullptr);
    const int32_t n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), add_assistant != 0, out, capacity);
    if (n < 0) {
        return fail(PG_ERR_TEMPLATE, tmpl == nullptr ? "llama.cpp cannot render a chat for this model"
                                                       : "llama.cpp does not know this model's chat template");
    }
    return n;
}

const char * pg_meta(const char * key) {
    if (!loaded() || key == nullptr) return nullptr;
    const int32_t n = llama_model_meta_val_str(S().model, key, nullptr, 0);
    if (n < 0) return nullptr;
    S().meta.assign((size_t) n + 1, '\0');
    llama_model_meta_val_str(S().model, key, S().meta.data(), (size_t) n + 1);
    S().meta.resize((size_t) n);
    return S().meta.c_str();
}

int32_t pg_tokenize(const char * text, int32_t text_len, int32_t add_bos, int32_t parse_special, int32_t * out,
                    int32_t capacity) {
    if (!loaded()) return no_model();
    if (text == nullptr && text_len != 0) return fail(PG_ERR_ARGUMENT, "no text");
    if (text_len < 0 || capacity < 0 || (out == nullptr && capacity > 0)) {
        return fail(PG_ERR_ARGUMENT, "text length and capacity must be >= 0");
    }
    const int32_t n = llama_tokenize(S().vocab, text == nullptr ? "" : text, text_len, out, capacity, add_bos != 0,
                                     parse_special != 0);
    if (n == INT32_MIN) return fail(PG_ERR_ARGUMENT, "the text gives more tokens than an int32 can count");
    return n < 0 ? -n : n;
}

int32_t pg_token_piece(int32_t token, int32_t special, char * out, int32_t capacity) {
    if (!loaded()) return no_model();
    if (!valid_token(token)) {
        return fail(PG_ERR_ARGUMENT, "token id " + std::to_string(token) + " is outside the vocabulary (0.." +
                                         std::to_string(S().n_vocab - 1) + ")");
    }
    if (capacity < 0 || (out == nullptr && capacity > 0)) return fail(PG_ERR_ARGUMENT, "capacity must be >= 0");
    const int32_t n = llama_token_to_piece(S().vocab, token, out, capacity, 0, special != 0);
    return n < 0 ? -n : n;
}

int pg_decode(const int32_t * tokens, const int32_t * pos, const int32_t * seq, const uint8_t * logits, int32_t n) {
    state & s = S();
    if (!loaded()) return no_model();
    s.last_rows.clear();
    if (n < 1 || n > s.n_ctx) return fail(PG_ERR_ARGUMENT, "a batch holds 1.." + std::to_string(s.n_ctx) + " tokens");
    if (tokens == nullptr || pos == nullptr || seq == nullptr || logits == nullptr) {
        return fail(PG_ERR_ARGUMENT, "tokens, positions, sequences and logits flags are all required");
    }
    std::vector<int32_t> next(s.n_seq_max, -2); // the position each sequence expects next in this batch
    llama_memory_t mem = llama_get_memory(s.ctx);
    for (int32_t i = 0; i < n; i++) {
        const std::string at = " (batch row " + std::to_string(i) + ")";
        if (!valid_token(tokens[i])) {
            return fail(PG_ERR_ARGUMENT, "token id " + std::to_string(tokens[i]) + " is outside the vocabulary (0.." +
                                             std::to_string(s.n_vocab - 1) + ")" + at);
        }
        if (!valid_seq(seq[i])) {
            return fail(PG_ERR_ARGUMENT, "sequence id " + std::to_string(seq[i]) + " is outside 0.." +
                                             std::to_string(s.n_seq_max - 1) + at);
        }
        if (pos[i] < 0 || pos[i] >= s.n_ctx) {
            return fail(PG_ERR_ARGUMENT, "position " + std::to_string(pos[i]) + " is outside the context (0.." +
                                             std::to_string(s.n_ctx - 1) + ")" + at);
        }
        int32_t & expected = next[seq[i]];
        if (expected == -2) expected = llama_memory_seq_pos_max(mem, seq[i]) + 1;
        if (pos[i] != expected) {
            return fail(PG_ERR_ARGUMENT, "sequence " + std::to_string(seq[i]) + " continues at position " +
                                             std::to_string(expected) + ", not " + std::to_string(pos[i]) + at);
        }
        expected++;
    }

    llama_batch batch = llama_batch_init(n, 0, 1);
    batch.n_tokens = n;
    for (int32_t i = 0; i < n; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = pos[i];
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = seq[i];
        batch.logits[i] = logits[i] != 0 ? 1 : 0;
    }
    s.last_log_error.clear();
    const int32_t status = llama_decode(s.ctx, batch);
    llama_batch_free(batch);
    if (status == 1) return fail(PG_ERR_CONTEXT_FULL, "the KV cache has no room for this batch");
    if (status != 0) return fail(PG_ERR_DECODE, with_log("llama_decode failed with " + std::to_string(status)));
    s.last_rows.assign(logits, logits + n);
    return PG_OK;
}

const float * pg_logits(int32_t row) {
    state & s = S();
    if (!loaded()) {
        no_model();
        return nullptr;
    }
    if (row < 0 || row >= (int32_t) s.last_rows.size() || s.last_rows[row] == 0) {
        fail(PG_ERR_ARGUMENT, "row " + std::to_string(row) + " of the last batch has no logits");
        return nullptr;
    }
    return llama_get_logits_ith(s.ctx, row);
}

const double * pg_logits_summary(int32_t row) {
    static double summary[3];
    const float * logits = pg_logits(row);
    if (logits == nullptr) return nullptr;
    const int32_t n = S().n_vocab;
    const int32_t whole = n - n % 4;
    v128_t max4 = wasm_f32x4_splat(-INFINITY);
    for (int32_t i = 0; i < whole; i += 4) max4 = wasm_f32x4_pmax(max4, wasm_v128_load(logits + i));
    float max = std::max(std::max(wasm_f32x4_extract_lane(max4, 0), wasm_f32x4_extract_lane(max4, 1)),
                         std::max(wasm_f32x4_extract_lane(max4, 2), wasm_f32x4_extract_lane(max4, 3)));
    for (int32_t i = whole; i < n; i++) max = logits[i] > max ? logits[i] : max;
    if (!std::isfinite(max)) {
        fail(PG_ERR_ARGUMENT, "row " + std::to_string(row) + " has no finite logit");
        return nullptr;
    }
    // Sums of e^y and e^y * y over y = x - max, in f32 blocks of 4,096 values added up in f64.
    double sum = 0;
    double weighted = 0;
    const v128_t shift = wasm_f32x4_splat(max);
    for (int32_t start = 0; start < whole; start += 4096) {
        const int32_t end = std::min(whole, start + 4096);
        v128_t s4 = wasm_f32x4_splat(0);
        v128_t w4 = wasm_f32x4_splat(0);
        for (int32_t i = start; i < end; i += 4) {
            const v128_t y = wasm_f32x4_sub(wasm_v128_load(logits + i), shift);
            const v128_t e = exp_nonpositive(y);
            s4 = wasm_f32x4_add(s4, e);
            // e = 0 where y is -inf: leave those out of e * y, which would be NaN.
            w4 = wasm_f32x4_add(w4, wasm_v128_and(wasm_f32x4_mul(e, y), wasm_f32x4_gt(e, wasm_f32x4_splat(0))));
        }
        sum += lanes_sum(s4);
        weighted += lanes_sum(w4);
    }
    for (int32_t i = whole; i < n; i++) {
        const double y = (double) logits[i] - max;
        const double e = y >= -87 ? std::exp(y) : 0;
        sum += e;
        if (e > 0) weighted += e * y;
    }
    summary[0] = max;
    summary[1] = std::log(sum);
    summary[2] = weighted / sum;
    return summary;
}

int pg_seq_rm(int32_t seq, int32_t p0) {
    if (!loaded()) return no_model();
    if (seq != -1 && !valid_seq(seq)) return fail(PG_ERR_ARGUMENT, "sequence id " + std::to_string(seq) + " is out of range");
    if (p0 < 0) return fail(PG_ERR_ARGUMENT, "position must be >= 0");
    S().last_rows.clear();
    if (!llama_memory_seq_rm(llama_get_memory(S().ctx), seq, p0, -1)) {
        return fail(PG_ERR_ARGUMENT, "this model's memory cannot remove part of a sequence");
    }
    return PG_OK;
}

int pg_seq_cp(int32_t src, int32_t dst, int32_t p0, int32_t p1) {
    if (!loaded()) return no_model();
    if (!valid_seq(src) || !valid_seq(dst)) {
        return fail(PG_ERR_ARGUMENT, "sequence ids must be in 0.." + std::to_string(S().n_seq_max - 1));
    }
    if (p0 < -1 || p1 < -1 || (p0 >= 0 && p1 >= 0 && p1 < p0)) return fail(PG_ERR_ARGUMENT, "bad position range");
    if (S().streams && src != dst && (p0 > 0 || p1 >= 0)) {
        return fail(PG_ERR_ARGUMENT, "with several sequences only a whole sequence can be copied (p0 = p1 = -1); "
                                     "remove the tail afterwards with pg_seq_rm");
    }
    if (src != dst) llama_memory_seq_cp(llama_get_memory(S().ctx), src, dst, p0, p1);
    return PG_OK;
}

int32_t pg_seq_pos_max(int32_t seq) {
    if (!loaded()) return no_model();
    if (!valid_seq(seq)) return fail(-1, "sequence id " + std::to_string(seq) + " is out of range");
    return llama_memory_seq_pos_max(llama_get_memory(S().ctx), seq);
}

int pg_clear(void) {
    if (!loaded()) return no_model();
    S().last_rows.clear();
    llama_memory_clear(llama_get_memory(S().ctx), true);
    return PG_OK;
}

// llama-quant.cpp needs threads and file streams, which this build lacks; llama.cpp only
// references this entry point.
uint32_t llama_model_quantize(const char *, const char *, const llama_model_quantize_params *) {
    S().last_error = "quantization is not part of this build";
    return 1;
}

} // extern "C"
