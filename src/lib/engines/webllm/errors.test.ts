import { describe, expect, it } from 'vitest';
import { checkWebGpu, EngineLoadError, toEngineLoadError } from './errors';
import { mapInitProgress } from './progress';

describe('toEngineLoadError', () => {
	it.each([
		[{ name: 'WebGPUNotAvailableError', message: 'x' }, 'no-webgpu'],
		[{ name: 'WebGPUNotFoundError', message: 'x' }, 'no-webgpu'],
		[{ name: 'ShaderF16SupportError', message: 'x' }, 'no-shader-f16'],
		[{ name: 'DeviceLostError', message: 'x' }, 'device-lost'],
		[{ name: 'ModelNotFoundError', message: 'x' }, 'unknown-model'],
		[new DOMException('no room', 'QuotaExceededError'), 'quota'],
		[new Error('Failed to store https://x/y with error: QuotaExceededError: full'), 'quota'],
		[new TypeError('Failed to fetch'), 'network'],
		[new TypeError('NetworkError when attempting to fetch resource.'), 'network'],
		[new Error('Failed to store https://x/y with error: TypeError: Failed to fetch'), 'network'],
		[{ name: 'FeatureSupportError', message: 'needs timestamp-query' }, 'other'],
		[new Error('something else'), 'other'],
		['a string', 'other']
	])('%o → %s', (error, code) => {
		const mapped = toEngineLoadError(error);
		expect(mapped).toBeInstanceOf(EngineLoadError);
		expect(mapped.name).toBe('EngineLoadError');
		expect(mapped.code).toBe(code);
		expect(mapped.message.length).toBeGreaterThan(20);
	});

	it('keeps an EngineLoadError as it is', () => {
		const error = new EngineLoadError('quota', 'full');
		expect(toEngineLoadError(error)).toBe(error);
	});
});

describe('checkWebGpu', () => {
	const gpu = (adapter: { features: Set<string> } | null) => ({
		requestAdapter: async () => adapter
	});
	it('needs navigator.gpu, an adapter and the model features', async () => {
		await expect(checkWebGpu(undefined, [])).rejects.toMatchObject({ code: 'no-webgpu' });
		await expect(checkWebGpu(gpu(null), [])).rejects.toMatchObject({ code: 'no-webgpu' });
		const plain = gpu({ features: new Set() });
		await expect(checkWebGpu(plain, ['shader-f16'])).rejects.toMatchObject({
			code: 'no-shader-f16'
		});
		await expect(checkWebGpu(plain, [])).resolves.toBeUndefined();
		await expect(
			checkWebGpu(gpu({ features: new Set(['shader-f16']) }), ['shader-f16'])
		).resolves.toBeUndefined();
	});
});

describe('mapInitProgress', () => {
	const report = (progress: number, text: string) =>
		mapInitProgress({ progress, timeElapsed: 0, text });
	it("reads the phase and bytes from WebLLM's texts", () => {
		expect(report(0, 'Start to fetch params')).toMatchObject({ phase: 'download', loadedBytes: 0 });
		expect(
			report(0.25, 'Fetching param cache[3/40]: 100MB fetched. 25% completed, 4 secs elapsed.')
		).toMatchObject({ phase: 'download', loadedBytes: 100 * 2 ** 20, totalBytes: 400 * 2 ** 20 });
		expect(
			report(0.5, 'Loading model from cache[20/40]: 200MB loaded. 50% completed, 2 secs elapsed.')
		).toMatchObject({ phase: 'read', loadedBytes: 200 * 2 ** 20, totalBytes: 400 * 2 ** 20 });
		expect(
			report(0.3, 'Loading GPU shader modules[12/40]: 30% completed, 1 secs elapsed.')
		).toMatchObject({ phase: 'initialize', fraction: 0.3, totalBytes: 0 });
		expect(report(1, 'Finish loading on WebGPU - google')).toMatchObject({
			phase: 'initialize',
			fraction: 1
		});
	});
});
