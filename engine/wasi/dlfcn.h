/* Stand-in for <dlfcn.h>: no dynamic loading in wasm32-wasi. ggml only tries it for backends
   found on disk; the CPU backend is linked in, so every lookup simply fails. */
#pragma once
#define RTLD_NOW 2
#define RTLD_LOCAL 0
static inline void * dlopen(const char *, int) { return 0; }
static inline void * dlsym(void *, const char *) { return 0; }
static inline int dlclose(void *) { return 0; }
static inline const char * dlerror(void) { return "no dynamic loading in this build"; }
