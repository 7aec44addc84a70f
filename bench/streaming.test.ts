import { describe, expect, it } from 'vitest';
import { figures, mainThreadCpu, medians } from './streaming.bench';

describe('streaming bench figures', () => {
	it('counts long tasks and frames inside the streaming window only', () => {
		const round = {
			start: 1_000,
			end: 2_000,
			tokens: 2_000,
			// 60 fps, but for one 100 ms gap.
			frames: [
				900,
				...Array.from({ length: 40 }, (_, i) => 1_000 + i * 16),
				1_740,
				...Array.from({ length: 16 }, (_, i) => 1_756 + i * 16),
				2_100
			],
			long: [
				{ start: 950, duration: 100 },
				{ start: 1_500, duration: 60 },
				{ start: 1_900, duration: 50 },
				{ start: 2_050, duration: 300 }
			]
		};
		const f = figures(round);
		expect(f.wallMs).toBe(1_000);
		expect(f.longestTaskMs).toBe(100);
		// 50 ms of the first inside the window, 60 and 50 of the others.
		expect(f.longTaskShare).toBeCloseTo(0.16);
		expect(f.longTasks).toBe(2);
		expect(f.medianFps).toBeCloseTo(62.5);
		expect(f.slowFrames).toBe(1);
		expect(f.frames).toBe(57);
		expect(f.longestAfterMs).toBe(300);
	});

	it('sums the main thread’s task CPU between the page’s marks', () => {
		const main = { pid: 1, tid: 2 };
		const task = (ts: number, tdur: number, where = main) => ({
			name: 'ThreadControllerImpl::RunTask',
			ph: 'X',
			...where,
			ts,
			dur: tdur * 2,
			tdur
		});
		const events = [
			{ name: 'thread_name', ph: 'M', ...main, ts: 0, args: { name: 'CrRendererMain' } },
			{ name: 'stream-start', ph: 'R', ...main, ts: 1_000 },
			task(500, 9_000),
			task(1_500, 4_000),
			task(2_500, 12_000),
			task(2_600, 50_000, { pid: 1, tid: 3 }),
			{ name: 'stream-end', ph: 'R', ...main, ts: 20_000 },
			task(30_000, 70_000)
		];
		expect(mainThreadCpu(events)).toEqual({ totalMs: 16, longestMs: 12 });
		expect(mainThreadCpu(events.slice(2)).totalMs).toBeNaN();
	});

	it('takes each figure’s median over the rounds', () => {
		const base = figures({ start: 0, end: 100, tokens: 10, frames: [], long: [] });
		const rounds = [3, 1, 2].map((n) => ({
			...base,
			wallMs: n * 100,
			mainCpuMs: n,
			longestTaskCpuMs: n
		}));
		expect(medians(rounds)).toMatchObject({ wallMs: 200, mainCpuMs: 2, tokens: 10 });
	});
});
