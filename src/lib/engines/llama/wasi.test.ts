import { describe, expect, it } from 'vitest';
import { createWasiShim, WasiExitError } from './wasi';

function shimWithMemory() {
	const lines: [number, string][] = [];
	const shim = createWasiShim((fd, line) => lines.push([fd, line]));
	const memory = new WebAssembly.Memory({ initial: 2 });
	shim.bind(memory);
	const calls = shim.imports.wasi_snapshot_preview1 as unknown as Record<
		string,
		(...args: unknown[]) => number
	>;
	return { lines, memory, calls };
}

/** Places `text` at 1024 and one iovec pointing at it at 0; returns the iovec address. */
function writeIovec(memory: WebAssembly.Memory, text: string): number {
	const bytes = new TextEncoder().encode(text);
	new Uint8Array(memory.buffer, 1024).set(bytes);
	const view = new DataView(memory.buffer);
	view.setUint32(0, 1024, true);
	view.setUint32(4, bytes.length, true);
	return 0;
}

describe('the WASI shim', () => {
	it('hands complete stderr lines to the sink, keeping a partial line for later', () => {
		const { lines, memory, calls } = shimWithMemory();
		expect(calls.fd_write(2, writeIovec(memory, 'llama: bad\npart'), 1, 64)).toBe(0);
		expect(new DataView(memory.buffer).getUint32(64, true)).toBe(15);
		expect(lines).toEqual([[2, 'llama: bad']]);
		calls.fd_write(2, writeIovec(memory, 'ial\n'), 1, 64);
		expect(lines).toEqual([
			[2, 'llama: bad'],
			[2, 'partial']
		]);
	});

	it('has no files: no preopened directory, open fails, other descriptors are bad', () => {
		const { calls } = shimWithMemory();
		expect(calls.fd_prestat_get(3, 0)).toBe(8);
		expect(calls.path_open()).toBe(44);
		expect(calls.fd_write(5, 0, 0, 64)).toBe(8);
	});

	it('throws on exit, so the caller knows the instance is done', () => {
		const { calls } = shimWithMemory();
		expect(() => calls.proc_exit(3)).toThrow(WasiExitError);
	});

	it('fills random bytes beyond one getRandomValues call', () => {
		const { memory, calls } = shimWithMemory();
		expect(calls.random_get(0, 70000)).toBe(0);
		const bytes = new Uint8Array(memory.buffer, 65536, 70000 - 65536);
		expect(bytes.some((b) => b !== 0)).toBe(true);
	});
});
