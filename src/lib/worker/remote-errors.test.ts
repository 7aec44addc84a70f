import { transferHandlers, type TransferHandler } from 'comlink';
import { describe, expect, it } from 'vitest';
import { EngineLoadError } from '#lib/engines/webllm/errors';
import { installRemoteErrorHandler } from './remote-errors';

describe('installRemoteErrorHandler', () => {
	it("sends an engine error's code to the page", () => {
		installRemoteErrorHandler();
		const handler = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
		const [wire] = handler.serialize({ value: new EngineLoadError('no-webgpu', 'No WebGPU') }) as [
			{ value: Record<string, unknown> },
			Transferable[]
		];
		expect(wire.value).toMatchObject({
			name: 'EngineLoadError',
			code: 'no-webgpu',
			message: 'No WebGPU'
		});
	});
});
