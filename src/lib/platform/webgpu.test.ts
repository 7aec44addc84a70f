import { describe, expect, it } from 'vitest';
import { fitsDevice, probeWebGpu, type GpuLike } from './webgpu';

const swiftShader: GpuLike = {
	async requestAdapter() {
		return {
			features: new Set(['float32-filterable', 'texture-compression-bc']),
			limits: { maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 27 },
			info: { vendor: 'google', architecture: 'swiftshader', description: '' },
			isFallbackAdapter: true
		};
	}
};

describe('probeWebGpu', () => {
	it('reads the adapter, its features and limits', async () => {
		const caps = await probeWebGpu(swiftShader);
		expect(caps).toMatchObject({
			available: true,
			vendor: 'google',
			architecture: 'swiftshader',
			fallbackAdapter: true,
			maxBufferSize: 1 << 30
		});
		expect(caps.features).toEqual(['float32-filterable', 'texture-compression-bc']);
	});

	it('explains a missing navigator.gpu, a missing adapter and a failing request', async () => {
		expect((await probeWebGpu(undefined)).reason).toMatch(/no WebGPU/);
		expect((await probeWebGpu({ requestAdapter: async () => null })).reason).toMatch(
			/no usable GPU adapter/
		);
		const failing: GpuLike = {
			requestAdapter: async () => {
				throw new Error('blocked');
			}
		};
		expect(await probeWebGpu(failing)).toMatchObject({ available: false });
		expect((await probeWebGpu(failing)).reason).toContain('blocked');
	});
});

describe('fitsDevice', () => {
	it('refuses f16 models on an adapter without shader-f16 and accepts f32 ones', async () => {
		const caps = await probeWebGpu(swiftShader);
		expect(fitsDevice({ requiredFeatures: ['shader-f16'] }, caps)).toEqual({
			runnable: false,
			reason: 'needs shader-f16, which this GPU lacks'
		});
		expect(fitsDevice({ requiredFeatures: [] }, caps)).toEqual({ runnable: true, reason: null });
		const none = await probeWebGpu(undefined);
		expect(fitsDevice({ requiredFeatures: [] }, none).runnable).toBe(false);
	});
});
