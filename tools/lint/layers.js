/**
 * The layers of src/lib, bottom first, and an ESLint rule that keeps imports pointing down them.
 * eslint.config.js applies the rule to src/; docs/architecture.md explains the order.
 */
import path from 'node:path';

/** Folders of src/lib from the bottom up; a file may import its own folder or one listed before it. */
export const LAYERS = [
	'sampling',
	'core',
	'params',
	'compare',
	'formats',
	'storage',
	'models',
	'engines',
	'generation',
	'explore',
	'worker',
	'platform',
	'app',
	'components'
];

/** Folders outside src/lib: the routes compose everything; the service worker stands alone. */
const TOP = 'routes';

/**
 * The layer a file or import target belongs to: a folder of src/lib, `routes`, or null for
 * anything else (packages, SvelteKit's `$app`, files outside src/).
 * @param {string} file path relative to the project root, with forward slashes
 * @returns {string | null}
 */
export function layerOfFile(file) {
	const lib = /^src\/lib\/([^/]+)\//.exec(file);
	if (lib) return lib[1];
	if (file.startsWith('src/routes/')) return TOP;
	return null;
}

/**
 * The project-relative path an import specifier points at, or null for a package.
 * @param {string} specifier
 * @param {string} importer project-relative path of the importing file
 * @returns {string | null}
 */
export function resolveSpecifier(specifier, importer) {
	const alias = /^[#$]lib\/(.*)$/.exec(specifier);
	if (alias) return path.posix.normalize(`src/lib/${alias[1]}`);
	if (specifier.startsWith('./') || specifier.startsWith('../')) {
		return path.posix.normalize(path.posix.join(path.posix.dirname(importer), specifier));
	}
	return null;
}

/**
 * Why `importer` may not import `specifier`, or null when the import points down (or sideways
 * within one folder).
 * @param {string} importer project-relative path of the importing file
 * @param {string} specifier
 * @returns {string | null}
 */
export function layerViolation(importer, specifier) {
	const from = layerOfFile(importer);
	const target = resolveSpecifier(specifier, importer);
	if (from === null || target === null) return null;
	const to = layerOfFile(target);
	if (to === null) {
		return specifier === '#lib' || specifier === '$lib'
			? `import a folder of src/lib, not src/lib itself`
			: null;
	}
	if (to === from) return null;
	const rank = (/** @type {string} */ layer) =>
		layer === TOP ? LAYERS.length : LAYERS.indexOf(layer);
	for (const layer of [from, to]) {
		if (rank(layer) < 0)
			return `src/lib/${layer} has no layer: add it to LAYERS in tools/lint/layers.js`;
	}
	if (rank(to) > rank(from)) {
		return `${from}/ may not import ${to}/, a higher layer (imports go downwards only: see docs/architecture.md)`;
	}
	return null;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
	meta: {
		type: 'problem',
		docs: { description: 'Imports go from a higher layer of src/lib to a lower one, never back.' },
		schema: []
	},
	create(context) {
		const importer = path.relative(context.cwd, context.filename).split(path.sep).join('/');
		/** @param {import('estree').Node & { source?: import('estree').Node | null }} node */
		const check = (node) => {
			const source = node.source;
			if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
			const message = layerViolation(importer, source.value);
			if (message) context.report({ node: source, message });
		};
		return {
			ImportDeclaration: check,
			ExportNamedDeclaration: check,
			ExportAllDeclaration: check,
			ImportExpression: check
		};
	}
};
