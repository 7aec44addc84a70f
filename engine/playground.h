/*
 * The Sampling Playground's C API over llama.cpp, compiled to wasm32-wasi (single-threaded,
 * reactor). The TypeScript binding in src/lib/engines/llama/ is its only caller.
 *
 * Contract
 * - One model and one context per instance (a worker that needs two models makes two
 *   instances). Every function is synchronous and non-reentrant.
 * - Memory: the caller places inputs (text, token arrays) in wasm memory with
 *   pg_alloc and releases them with pg_free (malloc/free are exported too). Pointers returned
 *   by the API point into wasm memory and stay valid until the call named beside them.
 * - Errors: a function that can fail returns a status (PG_OK = 0, negative on failure) or a
 *   documented sentinel, and pg_last_error() then says what failed in one line of UTF-8. Every
 *   argument the API can check (ids against the vocabulary, positions against the context,
 *   sequence ids against the number of sequences, rows against the last batch, the file's
 *   GGUF header and tensor bounds) is checked before llama.cpp is called, so a caller mistake
 *   never traps.
 * - Traps: this build has no C++ exception runtime. When llama.cpp throws or ggml aborts on
 *   something the API could not check (e.g. a tensor with the wrong shape for its
 *   architecture), the instance traps (a WebAssembly RuntimeError). pg_last_error() still
 *   returns the reason after the trap, but the instance must then be discarded and recreated.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PG_API __attribute__((visibility("default")))

enum pg_status {
    PG_OK = 0,
    PG_ERR_ARGUMENT = -1,   /* an argument is out of range or malformed */
    PG_ERR_NO_MODEL = -2,   /* no model loaded, or a model is already loaded */
    PG_ERR_MODEL = -3,      /* the bytes are not a model this build can load */
    PG_ERR_MEMORY = -4,     /* an allocation failed */
    PG_ERR_CONTEXT_FULL = -5, /* decode found no room in the KV cache */
    PG_ERR_DECODE = -6,     /* llama_decode reported another failure */
    PG_ERR_TEMPLATE = -7,   /* llama.cpp has no renderer for the model's chat template */
};

enum pg_kv_type {
    PG_KV_F32 = 0, /* default: exact */
    PG_KV_F16 = 1, /* half the memory, slightly different logits */
};

/* Allocation for the caller's buffers (plain malloc/free). pg_alloc(0) returns NULL. */
PG_API void * pg_alloc(size_t size);
PG_API void pg_free(void * ptr);

/* The last failure's message (empty when none). Valid until the next API call. */
PG_API const char * pg_last_error(void);

/*
 * Supplied by the host (imported as env.pg_host_read): copy `length` bytes of the model file,
 * from byte `offset` on, into wasm memory at `dst`. Returns the bytes copied (0 at the end of the
 * file; fewer than asked is fine, the caller asks again) or -1 when the file cannot be read.
 * Called only during pg_load.
 */
__attribute__((import_module("env"), import_name("pg_host_read"))) int32_t pg_host_read(double offset, void * dst,
                                                                                       int32_t length);

/*
 * Load a GGUF model of `file_size` bytes, read through pg_host_read as a stream: llama.cpp reads
 * the header, then each tensor straight into its own buffer (no mmap), so wasm memory never holds
 * the file whole besides the model. The file is checked first (GGUF header, a known
 * architecture, every tensor inside the file). n_ctx: context length in tokens
 * (1 .. 1,048,576; 0 means the model's trained context) for each sequence; kv_type: enum
 * pg_kv_type; n_seq_max: number of sequences (1 .. 256). With more than one, each sequence has
 * a KV stream of its own (n_ctx x n_seq_max cells in all, at most 4,194,304), so a sequence
 * decoded in a batch beside others gives the same logits, bit for bit, as decoded alone. The
 * largest batch pg_decode accepts is n_ctx tokens.
 */
PG_API int pg_load(double file_size, int32_t n_ctx, int32_t kv_type, int32_t n_seq_max);

/* Free the context and the model (no-op when none is loaded). */
PG_API void pg_unload(void);

/* Model facts; -1 (or NULL) when no model is loaded or the model has no such token/string. */
PG_API int32_t pg_n_vocab(void);
PG_API int32_t pg_n_ctx(void);       /* the context this load asked for */
PG_API int32_t pg_n_ctx_train(void); /* the context the model was trained with */
PG_API int32_t pg_n_seq_max(void);
PG_API int32_t pg_token_bos(void);
PG_API int32_t pg_token_eos(void);
PG_API int32_t pg_token_eot(void);
PG_API int32_t pg_token_sep(void);
PG_API int32_t pg_token_nl(void);
PG_API int32_t pg_token_pad(void);
PG_API int32_t pg_add_bos(void); /* 1 when the model asks for BOS to be prepended, else 0 */
/* Token attributes: 1 / 0, or -1 with an error for an id outside the vocabulary. */
PG_API int32_t pg_token_is_eog(int32_t token);
PG_API int32_t pg_token_is_control(int32_t token);
/* general.architecture, and the default chat template (NULL when the model has none).
   Valid until pg_unload. */
PG_API const char * pg_architecture(void);
PG_API const char * pg_chat_template(void);
/* Every end-of-generation token id (EOS, EOT and the others the vocabulary marks), ascending.
   Returns the count, written to `out` only when it is <= capacity. */
PG_API int32_t pg_eog_tokens(int32_t * out, int32_t capacity);
/*
 * A conversation rendered with the model's chat template by llama.cpp's built-in renderers
 * (llama_chat_apply_template: it recognizes known templates by their text; a model without a
 * template gets ChatML). roles[i] / contents[i]: NUL-terminated UTF-8; add_assistant opens the
 * assistant's turn. Returns the byte count (not NUL-terminated), written to `out` only when it is
 * <= capacity, or PG_ERR_TEMPLATE when llama.cpp has no renderer for the template.
 */
PG_API int32_t pg_chat_apply(const char * const * roles, const char * const * contents, int32_t n_messages,
                             int32_t add_assistant, char * out, int32_t capacity);
/* Any metadata value as text, or NULL when absent. Valid until the next pg_meta call. */
PG_API const char * pg_meta(const char * key);

/*
 * Tokenize `text_len` bytes of UTF-8. add_bos: prepend BOS (and append EOS) as the model's
 * vocabulary asks; parse_special: turn special-token text such as "<|im_start|>" into its id
 * instead of tokenizing it as plain text. Returns the number of ids (>= 0), written to `out`
 * only when it is <= capacity (call again with a larger buffer otherwise), or a negative status.
 */
PG_API int32_t pg_tokenize(const char * text, int32_t text_len, int32_t add_bos, int32_t parse_special,
                           int32_t * out, int32_t capacity);

/*
 * The bytes of one token (not NUL-terminated; a multi-byte character may be split across
 * tokens). special: render control tokens as their text (else they give no bytes). Returns the
 * byte count (>= 0), written to `out` only when it is <= capacity, or PG_ERR_ARGUMENT for an id
 * outside the vocabulary.
 */
PG_API int32_t pg_token_piece(int32_t token, int32_t special, char * out, int32_t capacity);

/*
 * Decode a batch of n tokens: tokens[i] at position pos[i] in sequence seq[i]; logits[i] != 0
 * asks for that row's logits. Positions of one sequence must continue its cache (the next
 * position after pg_seq_pos_max) and be consecutive within the batch. Returns PG_OK,
 * PG_ERR_ARGUMENT (checked before decoding), PG_ERR_CONTEXT_FULL or PG_ERR_DECODE.
 */
PG_API int pg_decode(const int32_t * tokens, const int32_t * pos, const int32_t * seq, const uint8_t * logits,
                     int32_t n);

/*
 * The raw logits (n_vocab floats) of row `row` of the last successful pg_decode, which must
 * have asked for them; NULL with an error otherwise. Valid until the next pg_decode, pg_unload
 * or memory growth (a JS view onto it must be recreated after any call that may allocate).
 */
PG_API const float * pg_logits(int32_t row);

/*
 * A summary of row `row`'s logits x for figures shown to the user: [max x, ln S, (sum of
 * e^y * y) / S] with y = x - max and S = sum of e^y, so the distribution's entropy is
 * [1] - [2] and a token's surprisal is [1] - (x - max). Computed with wasm SIMD in f32 (about
 * 1e-6 relative); never used to sample. NULL with an error as pg_logits, or for a row with no
 * finite logit. Valid until the next call.
 */
PG_API const double * pg_logits_summary(int32_t row);

/* Remove the cells of sequence seq (-1: every sequence) at positions >= p0 (p0 >= 0). */
PG_API int pg_seq_rm(int32_t seq, int32_t p0);
/* Copy the cells of sequence src at positions [p0, p1) to sequence dst (-1: open end). With
   n_seq_max > 1 only whole sequences (p0 = p1 = -1) can be copied, and the copy replaces what
   dst held; to branch at position p, copy the whole and pg_seq_rm(dst, p). */
PG_API int pg_seq_cp(int32_t src, int32_t dst, int32_t p0, int32_t p1);
/* Highest position held by seq, or -1 when it is empty (or on error). */
PG_API int32_t pg_seq_pos_max(int32_t seq);
/* Empty the whole KV cache. */
PG_API int pg_clear(void);

#ifdef __cplusplus
}
#endif
