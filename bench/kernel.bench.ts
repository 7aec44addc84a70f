import { execFile } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WASI } from 'node:wasi';
import { formatNumber, printTable } from './timing';

/**
 * `npm run bench -- kernel`: the output product of an 8-lane step at 151,936 tokens on its own
 * (`kernel/output-product.c`, compiled with the engine's toolchain to wasm32-wasi with SIMD and
 * run here in Node): one column as ggml multiplies it, eight columns the same way, and eight with
 * each matrix row loaded once for two columns (what our patch to ggml does,
 * engine/patches/ggml-cpu-f32-columns.patch), all adding in the same order.
 */

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'bench', 'kernel', 'output-product.c');
const output = path.join(root, '.cache', 'bench', 'output-product.wasm');

interface KernelFigures {
	rows: number;
	k: number;
	oneColumnMs: number;
	eightColumnsMs: number;
	eightSharedMs: number;
	identical: boolean;
}

async function build(): Promise<boolean> {
	const resourceDir = await run('clang-19', ['-print-resource-dir']).then(
		({ stdout }) => stdout.trim(),
		() => null
	);
	if (resourceDir === null) return false;
	await mkdir(path.dirname(output), { recursive: true });
	await run('clang-19', [
		'--target=wasm32-wasi',
		'-O3',
		'-msimd128',
		'-nostdlibinc',
		'-isystem',
		'/usr/include/wasm32-wasi',
		'-isystem',
		path.join(resourceDir, 'include'),
		'--sysroot=/usr',
		'-L/usr/lib/wasm32-wasi',
		source,
		'-o',
		output
	]);
	return true;
}

/** Runs the module and returns the JSON line it prints (to a file, read back). */
async function measure(): Promise<KernelFigures> {
	const printed = `${output}.out.json`;
	const file = await open(printed, 'w');
	try {
		const wasi = new WASI({ version: 'preview1', returnOnExit: true, stdout: file.fd });
		const module = await WebAssembly.compile(await readFile(output));
		const imports = wasi.getImportObject() as WebAssembly.Imports;
		wasi.start(await WebAssembly.instantiate(module, imports));
	} finally {
		await file.close();
	}
	return JSON.parse(await readFile(printed, 'utf8')) as KernelFigures;
}

export async function runKernelBench(): Promise<boolean> {
	console.log('\nOutput product of one lane step (151,936 × 64, f32, wasm SIMD, one thread):');
	if (!(await build())) {
		console.log('clang-19 is missing (install the toolchain of npm run build:engine); skipped.');
		return true;
	}
	const f = await measure();
	const row = (what: string, ms: number) => [
		what,
		formatNumber(ms, 2),
		`${formatNumber(ms / f.oneColumnMs, 2)}×`
	];
	printTable(
		['columns (lanes)', 'ms (median of 7)', '÷ one column'],
		[
			row('1, row by row as ggml', f.oneColumnMs),
			row('8, row by row as ggml', f.eightColumnsMs),
			row('8, each row loaded once for 2 columns', f.eightSharedMs)
		]
	);
	console.log(`Same bits from both eight-column kernels: ${f.identical ? 'yes' : 'NO'}`);
	return f.identical;
}
