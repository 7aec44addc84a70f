/**
 * Makes synthetic llama models on demand for tests and benchmarks: `makeModel(options)` writes
 * one GGUF file (streamed, never whole in memory) into a git-ignored cache folder, named after
 * its parameters, and reuses the file when it is already there. A model has a synthetic
 * SentencePiece vocabulary of `vocab` tokens, or a real tokenizer (Llama 3, Qwen3, Gemma 3:
 * tools/gguf/tokenizer.ts) whose size it takes. Also a command line:
 *   npm run make:model -- --vocab 32000 --type q8_0 [--arch qwen3] [--out file.gguf] [--dir folder]
 *   npm run make:model -- --tokenizer qwen3 --embedding 32 --type q8_0
 * Called by unit tests, e2e/synthetic-models.spec.ts and benchmarks.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ARCHITECTURES, isArchitecture, type Architecture } from './architectures';
import { DEFAULT_SPEC, llamaModel, modelName, type LlamaSpec } from './llama';
import { TENSOR_TYPE_NAMES, type TensorTypeName } from './quantize';
import {
	realTokenizer,
	REAL_TOKENIZER_NAMES,
	type NamedTokenizer,
	type RealTokenizerName
} from './tokenizer';
import { encodeHeader, writeGguf } from './writer';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where generated models go unless told otherwise (listed in .gitignore). */
export const DEFAULT_MODELS_CACHE = path.join(root, '.cache', 'models');

export interface MakeModelOptions extends Partial<Omit<LlamaSpec, 'tokenizer'>> {
	/** A real tokenizer by name, or one already converted; `vocab` defaults to its size. */
	tokenizer?: RealTokenizerName | NamedTokenizer;
	/** Folder for the file, named after the spec; DEFAULT_MODELS_CACHE when omitted. */
	dir?: string;
	/** An exact file path instead (overrides `dir`). */
	out?: string;
}

export interface MadeModel {
	path: string;
	spec: LlamaSpec;
	bytes: number;
	/** Whether an existing file of the right size was kept instead of writing it again. */
	reused: boolean;
	/** sha256 of the file, when it was written now. */
	sha256: string | null;
}

/** Writes (or finds) the model; the file appears under its final name only once complete. */
export async function makeModel(options: MakeModelOptions = {}): Promise<MadeModel> {
	const { dir, out, tokenizer: named, ...overrides } = options;
	const tokenizer = typeof named === 'string' ? await realTokenizer(named) : named;
	const spec: LlamaSpec = tokenizer
		? { ...DEFAULT_SPEC, vocab: tokenizer.tokens.length, ...overrides, tokenizer }
		: { ...DEFAULT_SPEC, ...overrides };
	const { layout, data } = llamaModel(spec);
	const target = out ?? path.join(dir ?? DEFAULT_MODELS_CACHE, `${modelName(spec)}.gguf`);
	const { header, fileSize } = encodeHeader(layout);
	const existing = await stat(target).catch(() => null);
	// The header holds the whole tokenizer: a file from an older conversion has another one.
	if (existing?.isFile() && existing.size === fileSize && (await startsWith(target, header))) {
		return { path: target, spec, bytes: fileSize, reused: true, sha256: null };
	}
	await mkdir(path.dirname(target), { recursive: true });
	const partial = `${target}.${process.pid}.partial`;
	const file = await open(partial, 'w');
	const hash = createHash('sha256');
	try {
		await writeGguf(layout, data, async (bytes) => {
			hash.update(bytes);
			await file.write(bytes);
		});
	} catch (error) {
		await file.close();
		await rm(partial, { force: true });
		throw error;
	}
	await file.close();
	await rename(partial, target);
	return { path: target, spec, bytes: fileSize, reused: false, sha256: hash.digest('hex') };
}

async function startsWith(file: string, bytes: Uint8Array): Promise<boolean> {
	const handle = await open(file, 'r');
	try {
		const head = new Uint8Array(bytes.length);
		const { bytesRead } = await handle.read(head, 0, head.length, 0);
		return bytesRead === head.length && Buffer.compare(head, bytes) === 0;
	} finally {
		await handle.close();
	}
}

function parseType(text: string): TensorTypeName {
	const type = TENSOR_TYPE_NAMES.find((t) => t.toLowerCase() === text.toLowerCase());
	if (!type)
		throw new RangeError(`--type must be one of ${TENSOR_TYPE_NAMES.join(', ')}, not ${text}`);
	return type;
}

function parseArchitecture(text: string): Architecture {
	if (!isArchitecture(text))
		throw new RangeError(`--arch must be one of ${ARCHITECTURES.join(', ')}, not ${text}`);
	return text;
}

function parseTokenizer(text: string): RealTokenizerName {
	const name = REAL_TOKENIZER_NAMES.find((n) => n === text.toLowerCase());
	if (!name) {
		throw new RangeError(
			`--tokenizer must be one of ${REAL_TOKENIZER_NAMES.join(', ')}, not ${text}`
		);
	}
	return name;
}

function parseInteger(name: string, text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const n = Number(text.replaceAll('_', '').replaceAll(',', ''));
	if (!Number.isInteger(n)) throw new RangeError(`--${name} must be an integer, not ${text}`);
	return n;
}

/** The options `npm run make:model -- …` stands for. */
export function parseCommandLine(args: readonly string[]): MakeModelOptions {
	const { values } = parseArgs({
		args: [...args],
		options: {
			vocab: { type: 'string' },
			embedding: { type: 'string' },
			layers: { type: 'string' },
			heads: { type: 'string' },
			'kv-heads': { type: 'string' },
			'head-dim': { type: 'string' },
			arch: { type: 'string' },
			ffn: { type: 'string' },
			context: { type: 'string' },
			type: { type: 'string' },
			seed: { type: 'string' },
			tokenizer: { type: 'string' },
			out: { type: 'string' },
			dir: { type: 'string' }
		},
		strict: true
	});
	const options: MakeModelOptions = {
		vocab: parseInteger('vocab', values.vocab),
		embedding: parseInteger('embedding', values.embedding),
		layers: parseInteger('layers', values.layers),
		heads: parseInteger('heads', values.heads),
		kvHeads: parseInteger('kv-heads', values['kv-heads']),
		headDim: parseInteger('head-dim', values['head-dim']),
		arch: values.arch === undefined ? undefined : parseArchitecture(values.arch),
		ffn: parseInteger('ffn', values.ffn),
		context: parseInteger('context', values.context),
		seed: parseInteger('seed', values.seed),
		type: values.type === undefined ? undefined : parseType(values.type),
		tokenizer: values.tokenizer === undefined ? undefined : parseTokenizer(values.tokenizer),
		out: values.out,
		dir: values.dir
	};
	return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

async function main() {
	const started = performance.now();
	const made = await makeModel(parseCommandLine(process.argv.slice(2)));
	const seconds = ((performance.now() - started) / 1000).toFixed(1);
	const size = `${(made.bytes / 2 ** 20).toFixed(1)} MiB`;
	console.log(
		made.reused
			? `${path.relative(process.cwd(), made.path)} (${size}) already there`
			: `wrote ${path.relative(process.cwd(), made.path)} (${size}, sha256 ${made.sha256}) in ${seconds} s`
	);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
	main().catch((error: unknown) => {
		console.error(`make:model: ${error instanceof Error ? error.message : String(error)}`);
		process.exitCode = 1;
	});
}
