import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { PORT, withAppPage } from './app-page';
import { fillLongRun, type TraceEvent } from './trace-events';
import { formatNumber, printTable } from './timing';

/**
 * Streaming: how well the page keeps up while the CPU engine streams a long run of the test model
 * (TinyStories 260K; T 1, EOS banned, seed 5), in Chromium. In the page, a PerformanceObserver
 * records the long tasks (≥ 50 ms) and a requestAnimationFrame loop the frames, from the click on
 * Generate to the finish reason on screen; the figures are the medians of the rounds.
 *
 * The same run is measured on a baseline revision in the same run of the bench, so the two are
 * compared on the same machine at the same time: the baseline is checked out in a git worktree
 * under .cache/bench-baseline/ (sharing this checkout's node_modules), built once and served on
 * the next port; the rounds alternate between the two pages. `--baseline=REV` picks it (a
 * commit, tag or branch; by default the last commit before issue 15's streaming work),
 * `--baseline=none` measures this checkout alone, `--rounds=N` sets the rounds, `--tokens=N` the
 * run's length. Called by bench/run.ts.
 */

/** The commit before the streaming work of issue 15 ("A page that keeps up"). */
const DEFAULT_BASELINE = '2fae754';
const DEFAULT_ROUNDS = 3;
const DEFAULT_TOKENS = 2_000;
/** Targets of issue 15: no task over this long… */
const MAX_TASK_MS = 50;
/** …and at least this many frames a second. */
const MIN_FPS = 55;
/** A frame longer than this misses the fps target. */
const SLOW_FRAME_MS = 1000 / MIN_FPS;
/** After the finish reason, frames and tasks are watched this long more (the finished run's views). */
const SETTLE_MS = 1_000;

export interface StreamingFigures {
	/** Click to finish reason on screen. */
	wallMs: number;
	tokens: number;
	/** Longest task while streaming (0 when none reached 50 ms). */
	longestTaskMs: number;
	/** Share of the streaming time spent in long tasks, 0–1. */
	longTaskShare: number;
	/** Tasks over 50 ms while streaming. */
	longTasks: number;
	/** 1000 ÷ the median time between frames while streaming. */
	medianFps: number;
	/** Frames while streaming that took longer than 1000/55 ms. */
	slowFrames: number;
	frames: number;
	/** Longest task in the second after the finish (the finished run drawn in full). */
	longestAfterMs: number;
	/**
	 * The main thread's CPU time while streaming, from a Chromium trace: unlike the wall times
	 * above, other processes on a busy machine hardly change it.
	 */
	mainCpuMs: number;
	/** The longest main-thread task's CPU time while streaming. */
	longestTaskCpuMs: number;
}

/** The page's main-thread CPU time between its `stream-start` and `stream-end` marks. */
export function mainThreadCpu(events: TraceEvent[]): { totalMs: number; longestMs: number } {
	const mark = (name: string) => events.find((e) => e.name === name);
	const start = mark('stream-start');
	const end = mark('stream-end');
	if (!start || !end) return { totalMs: NaN, longestMs: NaN };
	const main = events.find(
		(e) =>
			e.name === 'thread_name' &&
			e.args?.name === 'CrRendererMain' &&
			e.pid === start.pid &&
			e.tid === start.tid
	) ?? { pid: start.pid, tid: start.tid };
	const tasks = events.filter(
		(e) =>
			e.ph === 'X' &&
			e.name === 'ThreadControllerImpl::RunTask' &&
			e.pid === main.pid &&
			e.tid === main.tid &&
			e.ts >= start.ts &&
			e.ts <= end.ts
	);
	const cpu = tasks.map((t) => (t.tdur ?? 0) / 1000);
	return { totalMs: cpu.reduce((a, b) => a + b, 0), longestMs: Math.max(0, ...cpu) };
}

interface PageRound {
	start: number;
	end: number;
	tokens: number;
	frames: number[];
	long: { start: number; duration: number }[];
}

/** One run measured in the page; the observer and frame loop are the page's own, nothing polls it from outside. */
async function oneRound(page: Page, tokens: number): Promise<StreamingFigures> {
	await fillLongRun(page, tokens);
	// Lets the form's effects settle before the clock starts.
	await page.waitForTimeout(300);
	const browser = page.context().browser();
	await browser?.startTracing(page, { categories: ['toplevel', 'blink.user_timing'] });
	const round = await page.evaluate(async (settleMs): Promise<PageRound> => {
		const long: { start: number; duration: number }[] = [];
		const observer = new PerformanceObserver((list) => {
			for (const e of list.getEntries()) long.push({ start: e.startTime, duration: e.duration });
		});
		observer.observe({ type: 'longtask' });
		const frames: number[] = [];
		let watching = true;
		const frame = (t: number) => {
			frames.push(t);
			if (watching) requestAnimationFrame(frame);
		};
		requestAnimationFrame(frame);
		const finish = () => document.querySelector('[data-testid="finish-reason"]');
		performance.mark('stream-start');
		const start = performance.now();
		document.querySelector<HTMLButtonElement>('[data-testid="generate"]')?.click();
		const end = await new Promise<number>((resolve) => {
			const timer = setInterval(() => {
				if ((finish()?.textContent ?? '') !== '') {
					clearInterval(timer);
					performance.mark('stream-end');
					resolve(performance.now());
				}
			}, 50);
		});
		await new Promise((resolve) => setTimeout(resolve, settleMs));
		watching = false;
		observer.disconnect();
		const count = Number(document.querySelector('[data-testid="token-count"]')?.textContent);
		return { start, end, tokens: count, frames, long };
	}, SETTLE_MS);
	const trace = browser
		? (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] })
		: { traceEvents: [] };
	const cpu = mainThreadCpu(trace.traceEvents);
	return { ...figures(round), mainCpuMs: cpu.totalMs, longestTaskCpuMs: cpu.longestMs };
}

function median(values: number[]): number {
	if (values.length === 0) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The figures of one round, from its clock readings (exported for its unit test). */
export function figures(
	round: PageRound
): Omit<StreamingFigures, 'mainCpuMs' | 'longestTaskCpuMs'> {
	const { start, end } = round;
	const wallMs = end - start;
	const during = round.long.filter((t) => t.start < end && t.start + t.duration > start);
	const after = round.long.filter((t) => t.start >= end);
	const inWindow = during.reduce(
		(sum, t) => sum + Math.min(end, t.start + t.duration) - Math.max(start, t.start),
		0
	);
	const frames = round.frames.filter((t) => t >= start && t <= end);
	const gaps = frames.slice(1).map((t, i) => t - frames[i]);
	const medianGap = median(gaps);
	return {
		wallMs,
		tokens: round.tokens,
		longestTaskMs: Math.max(0, ...during.map((t) => t.duration)),
		longTaskShare: wallMs > 0 ? inWindow / wallMs : 0,
		longTasks: during.filter((t) => t.duration > MAX_TASK_MS).length,
		medianFps: medianGap > 0 ? 1000 / medianGap : 0,
		slowFrames: gaps.filter((g) => g > SLOW_FRAME_MS).length,
		frames: frames.length,
		longestAfterMs: Math.max(0, ...after.map((t) => t.duration))
	};
}

/** The median of each figure over the rounds. */
export function medians(rounds: StreamingFigures[]): StreamingFigures {
	const of = (key: keyof StreamingFigures) => median(rounds.map((r) => r[key]));
	return {
		wallMs: of('wallMs'),
		tokens: of('tokens'),
		longestTaskMs: of('longestTaskMs'),
		longTaskShare: of('longTaskShare'),
		longTasks: of('longTasks'),
		medianFps: of('medianFps'),
		slowFrames: of('slowFrames'),
		frames: of('frames'),
		longestAfterMs: of('longestAfterMs'),
		mainCpuMs: of('mainCpuMs'),
		longestTaskCpuMs: of('longestTaskCpuMs')
	};
}

/** Checks out and builds `rev` under .cache/bench-baseline/ once; returns its folder. */
function buildBaseline(rev: string): string {
	const git = (...args: string[]) =>
		execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
	const commit = git('rev-parse', '--verify', `${rev}^{commit}`);
	const dir = path.resolve('.cache', 'bench-baseline', commit.slice(0, 12));
	if (!existsSync(path.join(dir, 'build', 'index.html'))) {
		if (!existsSync(path.join(dir, '.git'))) {
			mkdirSync(path.dirname(dir), { recursive: true });
			git('worktree', 'add', '--force', '--detach', dir, commit);
		}
		const modules = path.join(dir, 'node_modules');
		if (!existsSync(modules)) symlinkSync(path.resolve('node_modules'), modules, 'dir');
		console.log(`Building the baseline ${commit.slice(0, 12)} in ${path.relative('.', dir)}…`);
		execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
	}
	return dir;
}

function parseOptions(args: readonly string[]): {
	baseline: string | null;
	rounds: number;
	tokens: number;
} {
	const value = (name: string) =>
		args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
	const baseline = value('baseline') ?? DEFAULT_BASELINE;
	const rounds = Number(value('rounds') ?? DEFAULT_ROUNDS);
	const tokens = Number(value('tokens') ?? DEFAULT_TOKENS);
	if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number ≥ 1');
	if (!Number.isInteger(tokens) || tokens < 1) throw new Error('--tokens takes a whole number ≥ 1');
	return { baseline: baseline === 'none' ? null : baseline, rounds, tokens };
}

const ROWS: { label: string; key: keyof StreamingFigures; digits: number; percent?: boolean }[] = [
	{ label: 'tokens streamed', key: 'tokens', digits: 0 },
	{ label: 'click to finish (ms)', key: 'wallMs', digits: 0 },
	{ label: 'longest task (ms)', key: 'longestTaskMs', digits: 0 },
	{ label: 'time in long tasks', key: 'longTaskShare', digits: 1, percent: true },
	{ label: 'tasks > 50 ms', key: 'longTasks', digits: 0 },
	{ label: 'median fps', key: 'medianFps', digits: 1 },
	{ label: 'frames', key: 'frames', digits: 0 },
	{ label: `frames > ${formatNumber(SLOW_FRAME_MS)} ms`, key: 'slowFrames', digits: 0 },
	{ label: 'longest task, 1 s after (ms)', key: 'longestAfterMs', digits: 0 },
	{ label: 'main-thread CPU (ms)', key: 'mainCpuMs', digits: 0 },
	{ label: 'longest task CPU (ms)', key: 'longestTaskCpuMs', digits: 0 }
];

function cell(row: (typeof ROWS)[number], figures: StreamingFigures): string {
	const value = figures[row.key];
	return row.percent
		? `${formatNumber(value * 100, row.digits)} %`
		: formatNumber(value, row.digits);
}

/** Prints this checkout's figures (and the baseline's beside them); returns whether the targets are met. */
export async function runStreamingBench(args: readonly string[] = []): Promise<boolean> {
	const { baseline, rounds, tokens } = parseOptions(args);
	const baseDir = baseline === null ? null : buildBaseline(baseline);
	console.log(
		`\nStreaming: ${tokens} tokens of TinyStories 260K (CPU engine; T 1, EOS banned, seed 5) in\n` +
			`Chromium; long tasks (PerformanceObserver) and frames (requestAnimationFrame) from the click\n` +
			`to the finish reason on screen; medians of ${rounds} rounds` +
			(baseline === null ? '.\n' : `, alternating with the baseline ${baseline}.\n`) +
			`Targets: no task over ${MAX_TASK_MS} ms, at least ${MIN_FPS} fps. A busy machine inflates both.\n`
	);
	const now: StreamingFigures[] = [];
	const before: StreamingFigures[] = [];
	await withAppPage(async (page) => {
		if (baseDir === null) {
			for (let i = 0; i < rounds; i++) now.push(await oneRound(page, tokens));
			return;
		}
		await withAppPage(
			async (basePage) => {
				for (let i = 0; i < rounds; i++) {
					// Alternated, so a spell of load on the machine falls on both.
					before.push(await oneRound(basePage, tokens));
					now.push(await oneRound(page, tokens));
					const [b, n] = [before[i], now[i]];
					console.log(
						`round ${i + 1}: click to finish ${formatNumber(b.wallMs, 0)} → ${formatNumber(n.wallMs, 0)} ms, ` +
							`main-thread CPU ${formatNumber(b.mainCpuMs, 0)} → ${formatNumber(n.mainCpuMs, 0)} ms, ` +
							`longest task ${formatNumber(b.longestTaskMs, 0)} → ${formatNumber(n.longestTaskMs, 0)} ms`
					);
				}
			},
			{ root: baseDir, port: PORT + 1 }
		);
	});
	const after = medians(now);
	if (baseDir === null) {
		printTable(
			['', 'this checkout'],
			ROWS.map((row) => [row.label, cell(row, after)])
		);
	} else {
		const base = medians(before);
		printTable(
			['', `baseline ${baseline}`, 'this checkout', 'ratio'],
			ROWS.map((row) => [
				row.label,
				cell(row, base),
				cell(row, after),
				base[row.key] > 0 ? `${formatNumber(after[row.key] / base[row.key], 2)}×` : '–'
			])
		);
	}
	const met = after.longestTaskMs <= MAX_TASK_MS && after.medianFps >= MIN_FPS;
	console.log(
		`\nTargets (no task over ${MAX_TASK_MS} ms, ≥ ${MIN_FPS} fps): ${met ? 'met' : 'MISSED'}`
	);
	return met;
}
