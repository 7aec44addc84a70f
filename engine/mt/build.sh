#!/bin/sh
# Experimental multi-threaded build of our C API with Debian's emscripten 3.1.6 (pthreads), as
# recorded in docs/engine-threads.md. Not part of the app: it writes only under
# .cache/engine-mt/ and never touches static/engine/. Run from the repository root, after
# `npm run build:engine` has fetched and checked the pinned sources into .cache/engine/.
#   sh engine/mt/build.sh [node|web]   (node: CommonJS glue for engine/mt/check-node.mjs)
# Needs: apt-get install -y emscripten (and NODE_PATH at Debian's nodejs modules, set below).
set -eu
target=${1:-node}
root=$(pwd)
llama=$root/.cache/engine/packages/@fugood+llama.node@1.7.15/package/src/llama.cpp
core=$root/.cache/engine/ggml-core
cpu=$llama/ggml/src/ggml-cpu
out=$root/.cache/engine-mt
[ -d "$llama" ] && [ -d "$core" ] || { echo "run npm run build:engine first (it fetches the sources)" >&2; exit 1; }
command -v em++ >/dev/null || { echo "install emscripten: apt-get install -y emscripten" >&2; exit 1; }
# Debian's emscripten runs its JS optimizer with the system node; it finds acorn etc. here.
export NODE_PATH=/usr/share/nodejs
mkdir -p "$out/obj" "$out/$target"

common="-O3 -msimd128 -pthread -DNDEBUG -DGGML_USE_CPU -DGGML_VERSION=\"b10256\" -DGGML_COMMIT=\"6c8dcaa\"
 -fvisibility=hidden -ffile-prefix-map=$root/= -I$llama/ggml/include -I$core -I$cpu -I$llama/include -I$llama/src"

# The same files as tools/build-engine.ts; no engine/wasi stand-ins (emscripten has pthreads,
# <mutex>, <future>, <filesystem> and dlfcn.h).
{
	ls "$core"/*.c "$core"/*.cpp
	for f in ggml-cpu.c ggml-cpu.cpp ops.cpp vec.cpp binary-ops.cpp unary-ops.cpp quants.c \
		repack.cpp traits.cpp arch/wasm/quants.c; do echo "$cpu/$f"; done
	ls "$llama"/src/*.cpp | grep -v llama-quant.cpp
	ls "$llama"/src/models/*.cpp
} > "$out/sources.txt"

compile() { # source object extra-flags...
	src=$1; obj=$2; shift 2
	[ -f "$obj" ] && return 0
	case $src in
	*.cpp) em++ -std=gnu++17 $common "$@" -c "$src" -o "$obj.tmp" ;;
	*) emcc -std=gnu11 $common "$@" -c "$src" -o "$obj.tmp" ;;
	esac
	mv "$obj.tmp" "$obj"
}
n=0
while read -r src; do
	obj=$out/obj/$(echo "${src#"$root"/.cache/engine/}" | tr / _).o
	compile "$src" "$obj" &
	n=$((n + 1))
	[ $((n % 2)) -eq 0 ] && wait
done < "$out/sources.txt"
wait
# Our API file unchanged; its fixed thread count and context free go through engine/mt/threads.cpp.
compile "$root/engine/playground.cpp" "$out/obj/playground.o" \
	-Dllama_init_from_model=pg_mt_init_from_model -Dllama_free=pg_mt_free
compile "$root/engine/mt/threads.cpp" "$out/obj/threads.o"

exports=$(grep -oE '^PG_API[^(]*\bpg_[a-z_]+\(' "$root/engine/playground.h" | grep -oE 'pg_[a-z_]+' |
	sed 's/^/_/' | tr '\n' ',')
if [ "$target" = node ]; then
	glue="-sENVIRONMENT=node,worker"
	echo '{"type":"commonjs"}' > "$out/node/package.json"
else
	glue="-sENVIRONMENT=web,worker -sEXPORT_ES6=1"
fi
em++ "$out"/obj/*.o -O3 -msimd128 -pthread $glue \
	-sMODULARIZE=1 -sEXPORT_NAME=createPlaygroundLlama \
	-sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=33554432 -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=8388608 \
	-sPTHREAD_POOL_SIZE=4 -sFILESYSTEM=0 \
	-sEXPORTED_FUNCTIONS="${exports}_pg_set_threads,_malloc,_free" \
	-o "$out/$target/playground-llama-mt.js"
ls -l "$out/$target"
