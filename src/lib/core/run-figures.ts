import type { GenerationStats } from './run';

/**
 * The figures a run shows about its speed, each defined once: what it measures, from where to
 * where, and the help text the page shows beside it. The output view, the lane cards and the
 * compare summary read this table; nothing else computes a speed.
 *
 * Where each moment is taken:
 * - the click and the first and last token *on screen* are taken on the page (the click is the
 *   event's own time stamp; a token is on screen in the animation frame after the page's DOM
 *   shows it);
 * - the prefill and the decode phase are timed in the worker, around the engine's calls; the
 *   decode phase leaves out the time the worker was held waiting for the page to read its
 *   tokens, so it is the engine's speed, not the page's.
 */

/**
 * Shortest phase turned into a speed. A shorter one is "too short to time": a millisecond of
 * timer jitter, a garbage collection or a late message would swing its speed many-fold (3-token
 * runs of the same seed measured 185 to 2,532 tokens/s).
 */
export const MIN_TIMED_MS = 20;

/** What the figures are computed from; fields older stored runs lack are optional. */
export type FigureStats = Pick<GenerationStats, 'promptTokens' | 'generatedTokens' | 'prefillMs'> &
	Partial<Pick<GenerationStats, 'decodeMs' | 'firstTokenOnScreenMs' | 'lastTokenOnScreenMs'>>;

export type FigureKey = 'firstToken' | 'prefillSpeed' | 'decodeSpeed' | 'laneDecodeSpeed' | 'total';

export interface FigureDefinition {
	label: string;
	unit: string;
	/** Decimals shown. */
	digits: number;
	/** The figure's definition as its help shows it. */
	help: string;
	/** The figure, or null when it was not measured (see {@link figureGap}). */
	value(stats: FigureStats): number | null;
}

/** Tokens per second over `ms`, or null when `ms` is missing or too short to time. */
export function speed(tokens: number, ms: number | null | undefined): number | null {
	if (ms == null || !Number.isFinite(ms) || ms < MIN_TIMED_MS || tokens <= 0) return null;
	return tokens / (ms / 1000);
}

/** Prompt tokens over the prefill: the engine evaluating the prompt, in the worker. */
export function prefillSpeed(stats: FigureStats): number | null {
	return speed(stats.promptTokens, stats.prefillMs);
}

/**
 * Generated tokens after the first over the decode phase, from the first token to the last,
 * timed in the worker without its waits for the page. The first token comes from the prefill's
 * distribution, so it is not counted; a run of one token has no decode phase.
 */
export function decodeSpeed(stats: FigureStats): number | null {
	return speed(stats.generatedTokens - 1, stats.decodeMs);
}

const DECODE_HELP = `Decode speed: tokens generated after the first, divided by the time from the first token to the last, measured in the model worker. Waits for the page to catch up are left out, so this is the engine’s speed; shown when the run ends, “—” if the phase lasted under ${MIN_TIMED_MS} ms (too short to time).`;

export const RUN_FIGURES: Record<FigureKey, FigureDefinition> = {
	firstToken: {
		label: 'First token',
		unit: 'ms',
		digits: 0,
		help: 'Time to first token: from your click on Generate (or Ctrl+Enter) to the first generated token on screen (the animation frame after the page shows it). It includes tokenizing, the prefill, sampling and drawing.',
		value: (stats) => stats.firstTokenOnScreenMs ?? null
	},
	prefillSpeed: {
		label: 'Prefill',
		unit: 'tokens/s',
		digits: 0,
		help: `Prefill speed: prompt tokens divided by the time the engine took to evaluate the prompt, measured in the model worker. “—” if the prefill took under ${MIN_TIMED_MS} ms (too short to time).`,
		value: prefillSpeed
	},
	decodeSpeed: {
		label: 'Decode',
		unit: 'tokens/s',
		digits: 1,
		help: DECODE_HELP,
		value: decodeSpeed
	},
	laneDecodeSpeed: {
		label: 'decode',
		unit: 'tokens/s',
		digits: 1,
		help: `${DECODE_HELP} Every lane is timed the same way, from its own first token to its own last. Lanes decoded together share each step (one batch carries a token of every live lane), so a lane’s speed is the batch’s steps per second while it ran, not what it would reach alone; the lanes’ total is their sum.`,
		value: decodeSpeed
	},
	total: {
		label: 'Total',
		unit: 'ms',
		digits: 0,
		help: 'From your click on Generate (or Ctrl+Enter) to the last token on screen: what the whole run took as you saw it, waits for the page included.',
		value: (stats) => stats.lastTokenOnScreenMs ?? null
	}
};

/** A value of figure `key` as shown: with its unit, or "—" when it was not measured. */
export function formatFigure(key: FigureKey, value: number | null): string {
	const figure = RUN_FIGURES[key];
	return value === null ? '—' : `${value.toFixed(figure.digits)} ${figure.unit}`;
}

/** The figure of a run as shown: its value and unit, or "—" when it was not measured. */
export function figureText(key: FigureKey, stats: FigureStats | null): string {
	return formatFigure(key, stats ? RUN_FIGURES[key].value(stats) : null);
}

/** Why a figure shows "—", or null when it has a value. */
export function figureGap(key: FigureKey, stats: FigureStats | null): string | null {
	if (!stats) return 'not measured yet: figures are shown when the run ends';
	if (RUN_FIGURES[key].value(stats) !== null) return null;
	switch (key) {
		case 'firstToken':
		case 'total': {
			const field = key === 'firstToken' ? 'firstTokenOnScreenMs' : 'lastTokenOnScreenMs';
			return stats[field] === undefined
				? 'not recorded: this run was saved by an earlier version'
				: 'not seen on screen (no token, or the page was hidden)';
		}
		case 'prefillSpeed':
			return `the prefill took under ${MIN_TIMED_MS} ms, too short to time`;
		case 'decodeSpeed':
		case 'laneDecodeSpeed':
			if (stats.decodeMs === undefined)
				return 'not recorded: this run was saved by an earlier version';
			if (stats.generatedTokens < 2) return 'one token or none: no decode phase';
			return `the decode phase took under ${MIN_TIMED_MS} ms, too short to time`;
	}
}
