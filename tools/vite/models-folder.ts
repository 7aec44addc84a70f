import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Connect, Plugin } from 'vite';
import {
	buildLocalIndex,
	MODEL_FILE_PATTERN,
	type DirectoryEntry
} from '../../src/lib/models/local-models.ts';
import { parseRange } from './byte-range.ts';

export const MODELS_URL_PATH = '/models';

async function readEntries(dir: string): Promise<(DirectoryEntry & { dir: string })[]> {
	let names: string[];
	try {
		names = await readdir(dir);
	} catch {
		return [];
	}
	const entries = await Promise.all(
		names.map(async (name) => {
			try {
				const info = await stat(path.join(dir, name));
				return {
					name,
					isFile: info.isFile(),
					sizeBytes: info.size,
					modifiedMs: info.mtimeMs,
					dir
				};
			} catch {
				return null;
			}
		})
	);
	return entries.filter((e) => e !== null);
}

/** The entries of every folder; a name in an earlier folder hides the same name in later ones. */
async function readFolders(dirs: readonly string[]): Promise<(DirectoryEntry & { dir: string })[]> {
	const seen = new Set<string>();
	return (await Promise.all(dirs.map(readEntries))).flat().filter((e) => {
		if (seen.has(e.name)) return false;
		seen.add(e.name);
		return true;
	});
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain') {
	res.statusCode = status;
	res.setHeader('Content-Type', `${type}; charset=utf-8`);
	res.setHeader('Cache-Control', 'no-store');
	res.end(body);
}

function handler(dirs: readonly string[]): Connect.NextHandleFunction {
	return (req: IncomingMessage, res: ServerResponse, next: Connect.NextFunction) => {
		void (async () => {
			if (req.method !== 'GET' && req.method !== 'HEAD') return next();
			// Mounted under MODELS_URL_PATH, so req.url is the rest of the path.
			const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
			const entries = await readFolders(dirs);
			const index = buildLocalIndex(entries);
			if (name === '' || name === 'index.json') {
				return send(res, 200, JSON.stringify(index), 'application/json');
			}
			const file = index.models.find((m) => m.file === name);
			if (!MODEL_FILE_PATTERN.test(name) || !file) return send(res, 404, 'No such model file');
			const range = parseRange(req.headers.range, file.sizeBytes);
			res.setHeader('Content-Type', 'application/octet-stream');
			res.setHeader('Accept-Ranges', 'bytes');
			res.setHeader('Cache-Control', 'no-cache');
			if (range.kind === 'unsatisfiable') {
				res.statusCode = 416;
				res.setHeader('Content-Range', `bytes */${file.sizeBytes}`);
				return res.end();
			}
			const { start, end } = range.kind === 'range' ? range : { start: 0, end: file.sizeBytes - 1 };
			res.statusCode = range.kind === 'range' ? 206 : 200;
			if (range.kind === 'range') {
				res.setHeader('Content-Range', `bytes ${start}-${end}/${file.sizeBytes}`);
			}
			res.setHeader('Content-Length', String(Math.max(end - start + 1, 0)));
			if (req.method === 'HEAD' || end < start) return res.end();
			const dir = entries.find((e) => e.name === file.file)?.dir ?? dirs[0];
			createReadStream(path.join(dir, file.file), { start, end })
				.on('error', () => res.destroy())
				.pipe(res);
		})().catch(next);
	};
}

/**
 * Serves the GGUF files of a local folder under `/models/` with a listing at
 * `/models/index.json`, in `vite dev` and `vite preview` (a static build has no such folder).
 * `extraDirs` adds more folders to the same listing (the browser tests' generated models).
 * A single byte range is answered with 206, so the page can read a model's header first.
 */
export function modelsFolder(options: { dir: string; extraDirs?: readonly string[] }): Plugin {
	const dirs = [options.dir, ...(options.extraDirs ?? [])];
	return {
		name: 'sampling-playground:models-folder',
		configureServer(server) {
			server.middlewares.use(MODELS_URL_PATH, handler(dirs));
		},
		configurePreviewServer(server) {
			server.middlewares.use(MODELS_URL_PATH, handler(dirs));
		}
	};
}
