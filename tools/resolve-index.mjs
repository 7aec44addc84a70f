// Lets Node scripts (the benches, the demo recorder) import app modules that name a folder
// (`#lib/sampling`): Node's ESM resolver does not take a folder's index.ts, which Vite and
// TypeScript do.
import { register } from 'node:module';

register(
	'data:text/javascript,' +
		encodeURIComponent(`
export async function resolve(specifier, context, next) {
	try {
		return await next(specifier, context);
	} catch (error) {
		if (error?.code !== 'ERR_UNSUPPORTED_DIR_IMPORT' || !error.url) throw error;
		return next(error.url + '/index.ts', context);
	}
}`)
);
