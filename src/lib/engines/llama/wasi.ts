/**
 * The few WASI (preview 1) imports our llama.cpp module needs, for Node and the browser alike:
 * `wasm-objdump -x -j Import static/engine/playground-llama.wasm` lists exactly these. There
 * is no file system (the model file comes through the module's own import, pg_host_read), no
 * environment and no arguments; stdout and stderr go to a line sink; `proc_exit` throws. Used
 * by `module.ts` only.
 */

/** WASI errno values the shim returns. */
const ESUCCESS = 0;
const EBADF = 8;
const ENOENT = 44;

/** What a module's exit looks like to the caller: the instance must not be used again. */
export class WasiExitError extends Error {
	override name = 'WasiExitError';
	constructor(readonly code: number) {
		super(`the engine exited with code ${code}`);
	}
}

/** Receives each complete line the module writes to stdout (1) or stderr (2). */
export type WasiLineSink = (fd: 1 | 2, line: string) => void;

export interface WasiShim {
	/** The import object for `WebAssembly.instantiate`. */
	imports: { wasi_snapshot_preview1: Record<string, (...args: never[]) => number | void> };
	/** Gives the shim the instance's memory (call before `_initialize`). */
	bind(memory: WebAssembly.Memory): void;
}

export function createWasiShim(sink: WasiLineSink): WasiShim {
	let memory: WebAssembly.Memory | null = null;
	const view = (): DataView => {
		if (memory === null) throw new Error('WASI shim used before bind()');
		return new DataView(memory.buffer);
	};
	const pending: Record<1 | 2, string> = { 1: '', 2: '' };
	const decoders = { 1: new TextDecoder(), 2: new TextDecoder() };

	const isStdio = (fd: number): fd is 0 | 1 | 2 => fd === 0 || fd === 1 || fd === 2;

	const imports = {
		environ_sizes_get(countPtr: number, sizePtr: number): number {
			view().setUint32(countPtr, 0, true);
			view().setUint32(sizePtr, 0, true);
			return ESUCCESS;
		},
		environ_get(): number {
			return ESUCCESS;
		},
		clock_time_get(id: number, _precision: bigint, outPtr: number): number {
			// 0 = realtime; every other clock is served as monotonic.
			const ns =
				id === 0 ? BigInt(Date.now()) * 1_000_000n : BigInt(Math.round(performance.now() * 1e6));
			view().setBigUint64(outPtr, ns, true);
			return ESUCCESS;
		},
		fd_fdstat_get(fd: number, ptr: number): number {
			if (!isStdio(fd)) return EBADF;
			const v = view();
			v.setUint8(ptr, 2); // character device
			v.setUint16(ptr + 2, 0, true);
			v.setBigUint64(ptr + 8, 0xffffffffffffffffn, true);
			v.setBigUint64(ptr + 16, 0xffffffffffffffffn, true);
			return ESUCCESS;
		},
		fd_fdstat_set_flags(fd: number): number {
			return isStdio(fd) ? ESUCCESS : EBADF;
		},
		// No preopened directories: the first EBADF ends libc's enumeration.
		fd_prestat_get(): number {
			return EBADF;
		},
		fd_prestat_dir_name(): number {
			return EBADF;
		},
		path_open(): number {
			return ENOENT;
		},
		fd_close(): number {
			return EBADF;
		},
		fd_read(): number {
			return EBADF;
		},
		fd_seek(): number {
			return EBADF;
		},
		fd_write(fd: number, iovs: number, iovsLen: number, writtenPtr: number): number {
			if (fd !== 1 && fd !== 2) return EBADF;
			const v = view();
			let written = 0;
			for (let i = 0; i < iovsLen; i++) {
				const ptr = v.getUint32(iovs + i * 8, true);
				const len = v.getUint32(iovs + i * 8 + 4, true);
				pending[fd] += decoders[fd].decode(new Uint8Array(v.buffer, ptr, len), { stream: true });
				written += len;
			}
			let newline: number;
			while ((newline = pending[fd].indexOf('\n')) >= 0) {
				sink(fd, pending[fd].slice(0, newline));
				pending[fd] = pending[fd].slice(newline + 1);
			}
			v.setUint32(writtenPtr, written, true);
			return ESUCCESS;
		},
		proc_exit(code: number): never {
			throw new WasiExitError(code);
		},
		random_get(ptr: number, len: number): number {
			const bytes = new Uint8Array(view().buffer, ptr, len);
			// getRandomValues fills at most 65,536 bytes per call (and not shared memory).
			for (let at = 0; at < len; at += 65536) {
				bytes.set(crypto.getRandomValues(new Uint8Array(Math.min(65536, len - at))), at);
			}
			return ESUCCESS;
		}
	};

	return {
		imports: { wasi_snapshot_preview1: imports as WasiShim['imports']['wasi_snapshot_preview1'] },
		bind(m) {
			memory = m;
		}
	};
}
