import { describe, expect, it } from 'vitest';
import { SamplingValidationError } from '#lib/sampling';
import { crashReason, describeError } from './errors';

describe('describeError', () => {
	it('shows validation errors as they are, ending in one full stop', () => {
		const error = new SamplingValidationError('topP', 2, 'a number in (0, 1]');
		expect(describeError(error)).toBe('topP must be a number in (0, 1]; got 2.');
	});

	it('explains network failures with a next step', () => {
		expect(describeError(new TypeError('Failed to fetch'))).toMatch(/open the file from disk/);
	});

	it('adds a next step to failed downloads', () => {
		const error = new Error('Could not reach https://example.test/m.gguf: Failed to fetch');
		error.name = 'ModelDownloadError';
		expect(describeError(error)).toBe(
			'The model could not be downloaded. Could not reach https://example.test/m.gguf: Failed to fetch. Check the connection, or open the file from disk.'
		);
	});

	it('says a refused model file cannot be loaded, and why', () => {
		const error = new Error('GGUF version 99 is not supported (2 or 3)');
		error.name = 'GgufError';
		expect(describeError(error)).toBe(
			'The model file cannot be loaded: GGUF version 99 is not supported (2 or 3).'
		);
	});

	it('names cancelled loads and non-Error values', () => {
		expect(describeError(new DOMException('x', 'AbortError'))).toBe('Loading was cancelled.');
		expect(describeError('boom')).toBe('boom');
	});
});

describe('crashReason', () => {
	it("gives a worker crash's reason, an engine crash's message, and null for other errors", () => {
		const worker = Object.assign(new Error('The inference worker crashed (oom)'), {
			name: 'WorkerCrashedError',
			reason: 'oom'
		});
		expect(crashReason(worker)).toBe('oom');
		const engine = Object.assign(new Error('The wllama engine crashed: oom'), {
			name: 'EngineCrashedError'
		});
		expect(crashReason(engine)).toBe('The wllama engine crashed: oom');
		expect(crashReason(new Error('HTTP 404'))).toBeNull();
		expect(crashReason('boom')).toBeNull();
	});
});
