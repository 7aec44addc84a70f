import { describe, expect, it } from 'vitest';
import { FrameBatcher, ManualFrames } from './frame-batcher';

describe('FrameBatcher', () => {
	it('applies what arrived between two frames as one batch, at the frame', () => {
		const frames = new ManualFrames();
		const batches: number[][] = [];
		const batcher = new FrameBatcher<number>((items) => batches.push(items), frames);
		for (let i = 0; i < 500; i++) batcher.push(i);
		expect(batches).toEqual([]);
		expect(frames.requested).toBe(1);
		frames.tick();
		expect(batches).toHaveLength(1);
		expect(batches[0]).toEqual(Array.from({ length: 500 }, (_, i) => i));
		batcher.push(500);
		batcher.push(501);
		frames.tick();
		expect(batches).toEqual([batches[0], [500, 501]]);
		expect(frames.requested).toBe(2);
	});

	it('asks for no frame while nothing arrives', () => {
		const frames = new ManualFrames();
		const batcher = new FrameBatcher<string>(() => undefined, frames);
		frames.tick();
		frames.tick();
		expect(frames.requested).toBe(0);
		batcher.push('a');
		frames.tick();
		frames.tick();
		expect(frames.requested).toBe(1);
		expect(frames.pending).toBe(0);
	});

	it('whatever the engine’s pace, the state changes at most once per frame', () => {
		const frames = new ManualFrames();
		let applied = 0;
		let tokens = 0;
		const batcher = new FrameBatcher<number>((items) => {
			applied++;
			tokens += items.length;
		}, frames);
		// 2,000 tokens, a varying number of them before each frame (none before some).
		let sent = 0;
		let drawn = 0;
		while (sent < 2_000) {
			const burst = (drawn * 7) % 13;
			for (let i = 0; i < burst && sent < 2_000; i++, sent++) batcher.push(sent);
			const before = applied;
			frames.tick();
			drawn++;
			expect(applied - before).toBeLessThanOrEqual(1);
		}
		expect(tokens).toBe(2_000);
		expect(applied).toBeLessThan(drawn);
	});

	it('flush applies what waits at once and cancels its frame; cancel drops it', () => {
		const frames = new ManualFrames();
		const batches: string[][] = [];
		const batcher = new FrameBatcher<string>((items) => batches.push(items), frames);
		batcher.push('a');
		batcher.push('b');
		batcher.flush();
		expect(batches).toEqual([['a', 'b']]);
		expect(frames.pending).toBe(0);
		batcher.flush();
		expect(batches).toHaveLength(1);
		batcher.push('c');
		expect(batcher.pending).toBe(1);
		batcher.cancel();
		frames.tick();
		expect(batches).toHaveLength(1);
		expect(batcher.pending).toBe(0);
		// It goes on after a flush or cancel.
		batcher.push('d');
		frames.tick();
		expect(batches).toEqual([['a', 'b'], ['d']]);
	});
});
