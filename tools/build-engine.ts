/**
 * `npm run build:engine`: builds our llama.cpp WebAssembly module (engine/playground.cpp over
 * llama.cpp) into static/engine/playground-llama.wasm with a provenance JSON beside it. Run by
 * hand (and later by CI) after a change to engine/ or to the pinned sources; the app itself
 * only serves the committed module.
 *
 * Sources are the npm packages pinned in engine/sources.json, fetched with `npm pack` into the
 * git-ignored .cache/engine/ and checked against their sha512. The toolchain is Debian's
 * clang-19 for wasm32-wasi; this script installs nothing and names the missing packages.
 * Objects are cached by a hash of their flags and inputs, so a change to the API file
 * recompiles that file only.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(root, '.cache', 'engine');
const outDir = path.join(root, 'static', 'engine');
const outWasm = path.join(outDir, 'playground-llama.wasm');

interface PinnedPackage {
	name: string;
	version: string;
	license: string;
	integrity: string;
	/** Our build-time patches (unified diffs, repository paths), applied in order after unpacking. */
	patches?: string[];
}

// Debian's fixed locations for the wasm32 libraries its packages install.
const LLVM = '/usr/lib/llvm-19';
const WASI_INCLUDE = '/usr/include/wasm32-wasi';
const WASI_LIB = '/usr/lib/wasm32-wasi';

const REQUIRED: { what: string; present: () => boolean; pkg: string }[] = [
	{ what: 'clang-19', present: () => onPath('clang-19'), pkg: 'clang-19' },
	{ what: 'clang++-19', present: () => onPath('clang++-19'), pkg: 'clang-19' },
	{ what: 'wasm-ld-19', present: () => onPath('wasm-ld-19'), pkg: 'lld-19' },
	{
		what: 'libc++ for wasm32',
		present: () => existsSync(`${LLVM}/include/wasm32-wasi/c++/v1/vector`),
		pkg: 'libc++-19-dev-wasm32'
	},
	{
		what: 'libc++abi for wasm32',
		present: () => existsSync(`${LLVM}/lib/wasm32-wasi/libc++abi.a`),
		pkg: 'libc++abi-19-dev-wasm32'
	},
	{
		what: 'compiler-rt builtins for wasm32',
		present: () => existsSync(`${LLVM}/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a`),
		pkg: 'libclang-rt-19-dev-wasm32'
	},
	{ what: 'wasi-libc', present: () => existsSync(`${WASI_LIB}/libc.a`), pkg: 'wasi-libc' },
	{ what: 'patch', present: () => onPath('patch'), pkg: 'patch' }
];

function onPath(command: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

function checkToolchain(): void {
	const missing = REQUIRED.filter((r) => !r.present());
	if (missing.length === 0) return;
	const pkgs = [...new Set(missing.map((m) => m.pkg))];
	console.error(`build-engine: missing ${missing.map((m) => m.what).join(', ')}.`);
	console.error(`Install them with: apt-get install -y ${pkgs.join(' ')}`);
	process.exit(1);
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Fetches a pinned package into the cache (once), checks its sha512, unpacks it and applies our
 * patches to it (a changed patch unpacks the package afresh).
 */
async function fetchPackage(pkg: PinnedPackage): Promise<string> {
	const dir = path.join(cache, 'packages', `${pkg.name.replace('/', '+')}@${pkg.version}`);
	const stamp = path.join(dir, '.integrity');
	let expected = pkg.integrity;
	for (const patch of pkg.patches ?? []) {
		expected += `\n${patch} ${sha256(await readFile(path.join(root, patch)))}`;
	}
	if ((await readFile(stamp, 'utf8').catch(() => '')) === expected)
		return path.join(dir, 'package');
	await rm(dir, { recursive: true, force: true });
	await mkdir(dir, { recursive: true });
	await run('npm', ['pack', `${pkg.name}@${pkg.version}`, '--pack-destination', dir, '--silent'], {
		cwd: dir
	});
	const found = path.join(
		dir,
		(await readdir(dir)).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz'
	);
	const integrity = `sha512-${createHash('sha512')
		.update(await readFile(found))
		.digest('base64')}`;
	if (integrity !== pkg.integrity) {
		throw new Error(
			`${pkg.name}@${pkg.version}: integrity ${integrity} is not the pinned ${pkg.integrity}`
		);
	}
	await run('tar', ['-xzf', found, '-C', dir]);
	await rm(found);
	for (const patch of pkg.patches ?? []) {
		await run('patch', [
			'-p1',
			'--batch',
			'--forward',
			'--silent',
			'-d',
			path.join(dir, 'package'),
			'-i',
			path.join(root, patch)
		]);
	}
	await writeFile(stamp, expected);
	return path.join(dir, 'package');
}

const unprefix = (text: string): string =>
	text
		.replace(/lm_ggml_/g, 'ggml_')
		.replace(/LM_GGML_/g, 'GGML_')
		.replace(/lm_gguf_/g, 'gguf_')
		.replace(/LM_GGUF_/g, 'GGUF_');

/**
 * ggml's core (ggml.c, gguf.cpp, the backend registry, their private headers) is not in
 * @fugood/llama.node, so it comes from llama.rn's copy of the same llama.cpp build with its lm_
 * prefix removed. Refuses to go on unless both packages carry the same public headers.
 */
async function prepareGgmlCore(node: string, rn: string): Promise<string> {
	for (const header of ['ggml.h', 'ggml-backend.h', 'ggml-alloc.h', 'ggml-cpu.h', 'gguf.h']) {
		const a = unprefix(await readFile(path.join(rn, 'cpp', header), 'utf8'));
		const b = await readFile(path.join(node, 'src/llama.cpp/ggml/include', header), 'utf8');
		if (a !== b)
			throw new Error(`llama.rn and @fugood/llama.node disagree on ${header}: not the same ggml`);
	}
	const llamaH = unprefix(await readFile(path.join(rn, 'cpp', 'llama.h'), 'utf8'));
	if (llamaH !== (await readFile(path.join(node, 'src/llama.cpp/include/llama.h'), 'utf8'))) {
		throw new Error('llama.rn and @fugood/llama.node disagree on llama.h: not the same llama.cpp');
	}
	const dir = path.join(cache, 'ggml-core');
	await mkdir(dir, { recursive: true });
	const publicHeaders = new Set(await readdir(path.join(node, 'src/llama.cpp/ggml/include')));
	for (const file of await readdir(path.join(rn, 'cpp'))) {
		if (!/^(ggml|gguf)[\w-]*\.(c|cpp|h)$/.test(file) || publicHeaders.has(file)) continue;
		const text = unprefix(await readFile(path.join(rn, 'cpp', file), 'utf8'));
		const target = path.join(dir, file);
		if ((await readFile(target, 'utf8').catch(() => null)) !== text) await writeFile(target, text);
	}
	return dir;
}

async function llamaBuild(rn: string): Promise<{ number: number; commit: string }> {
	const info = await readFile(path.join(rn, 'cpp/common/build-info.cpp'), 'utf8');
	return {
		number: Number(/LLAMA_BUILD_NUMBER = (\d+)/.exec(info)?.[1] ?? NaN),
		commit: /LLAMA_COMMIT = "(\w+)"/.exec(info)?.[1] ?? 'unknown'
	};
}

interface Unit {
	source: string;
	object: string;
	command: string[];
}

async function main(): Promise<void> {
	checkToolchain();
	const started = Date.now();
	const { packages } = JSON.parse(
		await readFile(path.join(root, 'engine/sources.json'), 'utf8')
	) as {
		packages: PinnedPackage[];
	};
	const node = await fetchPackage(packages.find((p) => p.name === '@fugood/llama.node')!);
	const rn = await fetchPackage(packages.find((p) => p.name === 'llama.rn')!);
	const core = await prepareGgmlCore(node, rn);
	const build = await llamaBuild(rn);
	const llama = path.join(node, 'src/llama.cpp');
	const cpu = path.join(llama, 'ggml/src/ggml-cpu');
	const wasi = path.join(root, 'engine/wasi');

	const resourceDir = (await run('clang-19', ['-print-resource-dir'])).stdout.trim();
	const common = [
		'--target=wasm32-wasi',
		'-O3',
		'-msimd128',
		'-nostdlibinc',
		'-isystem',
		`${LLVM}/include/wasm32-wasi/c++/v1`,
		'-isystem',
		path.join(resourceDir, 'include'),
		'-isystem',
		WASI_INCLUDE,
		'-D_WASI_EMULATED_MMAN',
		'-D_WASI_EMULATED_PROCESS_CLOCKS',
		'-D_WASI_EMULATED_SIGNAL',
		'-DNDEBUG',
		'-DGGML_USE_CPU',
		`-DGGML_VERSION="b${build.number}"`,
		`-DGGML_COMMIT="${build.commit}"`,
		'-fvisibility=hidden',
		// No machine paths in the module (assert messages carry __FILE__).
		`-ffile-prefix-map=${cache}/=`,
		`-ffile-prefix-map=${root}/=`,
		'-I',
		wasi,
		'-I',
		path.join(llama, 'ggml/include'),
		'-I',
		core,
		'-I',
		cpu,
		'-I',
		path.join(llama, 'include'),
		'-I',
		path.join(llama, 'src')
	];
	const cFlags = ['-std=gnu11', ...common];
	const cxxFlags = ['-std=gnu++17', ...common, '-include', path.join(wasi, 'single-thread.hpp')];

	const apiSource = path.join(root, 'engine/playground.cpp');
	const sources = [
		...(await readdir(core)).filter((f) => /\.(c|cpp)$/.test(f)).map((f) => path.join(core, f)),
		...[
			'ggml-cpu.c',
			'ggml-cpu.cpp',
			'ops.cpp',
			'vec.cpp',
			'binary-ops.cpp',
			'unary-ops.cpp',
			'quants.c'
		]
			.concat(['repack.cpp', 'traits.cpp', 'arch/wasm/quants.c'])
			.map((f) => path.join(cpu, f)),
		...(await readdir(path.join(llama, 'src')))
			.filter((f) => f.endsWith('.cpp') && f !== 'llama-quant.cpp')
			.map((f) => path.join(llama, 'src', f)),
		...(await readdir(path.join(llama, 'src/models')))
			.filter((f) => f.endsWith('.cpp'))
			.map((f) => path.join(llama, 'src/models', f)),
		apiSource
	].sort();

	// Inputs every object depends on besides its own source: the shims and the pins. Our header
	// only reaches our own file, so a change to the API recompiles that file alone.
	let shared = '';
	for (const f of (await readdir(wasi)).sort())
		shared += sha256(await readFile(path.join(wasi, f)));
	shared += JSON.stringify(packages);
	const compilerVersion = (await run('clang-19', ['--version'])).stdout.split('\n')[0];

	const objDir = path.join(cache, 'obj');
	await mkdir(objDir, { recursive: true });
	const units: Unit[] = [];
	for (const source of sources) {
		const cxx = source.endsWith('.cpp');
		const command = [cxx ? 'clang++-19' : 'clang-19', ...(cxx ? cxxFlags : cFlags)];
		let inputs = sha256(await readFile(source));
		if (source === apiSource)
			inputs += sha256(await readFile(path.join(root, 'engine/playground.h')));
		const key = sha256(command.join('\0') + shared + compilerVersion + inputs);
		const object = path.join(objDir, `${path.basename(source)}-${key.slice(0, 16)}.o`);
		units.push({ source, object, command });
	}
	const todo = units.filter((u) => !existsSync(u.object));
	console.log(`build-engine: ${units.length} files, ${todo.length} to compile`);
	const jobs = Math.max(1, os.availableParallelism());
	let next = 0;
	let done = 0;
	await Promise.all(
		Array.from({ length: jobs }, async () => {
			while (next < todo.length) {
				const unit = todo[next++];
				const [cc, ...args] = unit.command;
				try {
					await run(cc, [...args, '-c', unit.source, '-o', `${unit.object}.tmp`], {
						maxBuffer: 64 << 20
					});
				} catch (error) {
					const e = error as { stderr?: string };
					console.error(
						`build-engine: ${path.relative(root, unit.source)} failed\n${e.stderr ?? error}`
					);
					process.exit(1);
				}
				await run('mv', [`${unit.object}.tmp`, unit.object]);
				done++;
				if (done % 10 === 0 || done === todo.length)
					console.log(`  compiled ${done}/${todo.length}`);
			}
		})
	);

	// Exactly the functions playground.h declares, plus the allocator (and the reactor's own
	// _initialize and memory, which the linker exports by itself).
	const header = await readFile(path.join(root, 'engine/playground.h'), 'utf8');
	const apiNames = [...header.matchAll(/^PG_API[^(]*?\b(pg_\w+)\(/gm)].map((m) => m[1]);
	const linkFlags = [
		'--target=wasm32-wasi',
		'-mexec-model=reactor',
		'-nostdlib++',
		`-L${LLVM}/lib/wasm32-wasi`,
		`-L${WASI_LIB}`,
		'-lc++',
		'-lc++abi',
		'-lwasi-emulated-mman',
		'-lwasi-emulated-process-clocks',
		'-lwasi-emulated-signal',
		'-Wl,-z,stack-size=8388608',
		'-Wl,--initial-memory=16777216',
		'-Wl,--max-memory=4294967296',
		'-Wl,--strip-all',
		...['malloc', 'free', ...apiNames].map((name) => `-Wl,--export=${name}`)
	];
	const linked = path.join(cache, 'playground-llama.linked.wasm');
	await run('clang++-19', [...units.map((u) => u.object), ...linkFlags, '-o', linked], {
		maxBuffer: 64 << 20
	});
	let optimizer = 'none';
	const final = path.join(cache, 'playground-llama.wasm');
	if (onPath('wasm-opt')) {
		optimizer = (await run('wasm-opt', ['--version'])).stdout.trim();
		await run('wasm-opt', [
			'-O3',
			'--enable-simd',
			'--enable-bulk-memory',
			'--enable-sign-ext',
			'--enable-nontrapping-float-to-int',
			'--enable-mutable-globals',
			linked,
			'-o',
			final
		]);
	} else {
		await run('cp', [linked, final]);
	}

	const wasm = await readFile(final);
	await mkdir(outDir, { recursive: true });
	await writeFile(outWasm, wasm);
	await writeFile(
		path.join(outDir, 'LICENSE-llama.cpp.txt'),
		await readFile(path.join(rn, 'cpp/LICENSE'))
	);
	const provenance = {
		module: 'playground-llama.wasm',
		sha256: sha256(wasm),
		bytes: wasm.length,
		gzipBytes: gzipSync(wasm, { level: 9 }).length,
		llamaCpp: { build: build.number, commit: build.commit },
		sources: packages.map((p) => ({
			name: p.name,
			version: p.version,
			license: p.license,
			integrity: p.integrity,
			patches: p.patches ?? []
		})),
		api: {
			file: 'engine/playground.cpp',
			sha256: sha256(await readFile(path.join(root, 'engine/playground.cpp')))
		},
		compiler: compilerVersion,
		optimizer,
		compileFlags: { c: cFlags.map(relative), cxx: cxxFlags.map(relative) },
		linkFlags,
		threads: 1
	};
	await writeFile(
		path.join(outDir, 'playground-llama.json'),
		JSON.stringify(provenance, null, '\t') + '\n'
	);
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	console.log(
		`build-engine: wrote static/engine/playground-llama.wasm (${wasm.length} bytes, ${provenance.gzipBytes} gzipped, sha256 ${provenance.sha256}) in ${seconds} s`
	);
}

/** Flags as the provenance records them: without this machine's paths. */
function relative(flag: string): string {
	return flag.replace(cache, '.cache/engine').replace(root, '.');
}

await main();
