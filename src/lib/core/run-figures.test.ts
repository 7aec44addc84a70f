import { describe, expect, it } from 'vitest';
import {
	decodeSpeed,
	figureGap,
	figureText,
	MIN_TIMED_MS,
	prefillSpeed,
	RUN_FIGURES,
	speed,
	type FigureStats
} from './run-figures';

const stats = (overrides: Partial<FigureStats> = {}): FigureStats => ({
	promptTokens: 50,
	generatedTokens: 101,
	prefillMs: 250,
	decodeMs: 2_000,
	firstTokenOnScreenMs: 310.4,
	lastTokenOnScreenMs: 2_400,
	...overrides
});

describe('run figures', () => {
	it('prefill speed is prompt tokens over the prefill', () => {
		expect(prefillSpeed(stats())).toBe(200);
		expect(figureText('prefillSpeed', stats())).toBe('200 tokens/s');
	});

	it('decode speed counts the tokens after the first over the decode phase', () => {
		// 101 tokens: the first comes from the prefill, the other 100 took the 2 s.
		expect(decodeSpeed(stats())).toBe(50);
		expect(figureText('decodeSpeed', stats())).toBe('50.0 tokens/s');
		expect(figureText('laneDecodeSpeed', stats())).toBe('50.0 tokens/s');
	});

	it('is not one blended speed: prefill and decode differ for the same run', () => {
		expect(prefillSpeed(stats())).not.toBe(decodeSpeed(stats()));
	});

	it('times on screen are shown as measured', () => {
		expect(figureText('firstToken', stats())).toBe('310 ms');
		expect(figureText('total', stats())).toBe('2400 ms');
	});

	it('a phase too short to time has no speed, whatever its tokens', () => {
		// Three tokens in 1.2 ms would read 1,667 tokens/s and swing many-fold between runs.
		const short = stats({ generatedTokens: 3, decodeMs: 1.2, prefillMs: 0.4 });
		expect(decodeSpeed(short)).toBeNull();
		expect(prefillSpeed(short)).toBeNull();
		expect(figureText('decodeSpeed', short)).toBe('—');
		expect(figureGap('decodeSpeed', short)).toContain('too short to time');
		expect(figureGap('prefillSpeed', short)).toContain('too short to time');
		expect(speed(10, MIN_TIMED_MS)).toBe(500);
		expect(speed(10, MIN_TIMED_MS - 0.01)).toBeNull();
	});

	it('one token has no decode phase', () => {
		const one = stats({ generatedTokens: 1, decodeMs: null });
		expect(decodeSpeed(one)).toBeNull();
		expect(figureGap('decodeSpeed', one)).toBe('one token or none: no decode phase');
	});

	it('runs stored before these figures show "—" and say why', () => {
		const old: FigureStats = { promptTokens: 5, generatedTokens: 40, prefillMs: 3 };
		for (const key of ['firstToken', 'decodeSpeed', 'total'] as const) {
			expect(figureText(key, old)).toBe('—');
			expect(figureGap(key, old)).toContain('earlier version');
		}
	});

	it('a run not seen on screen has no time to first token', () => {
		const unseen = stats({ firstTokenOnScreenMs: null, lastTokenOnScreenMs: null });
		expect(figureText('firstToken', unseen)).toBe('—');
		expect(figureGap('firstToken', unseen)).toContain('not seen on screen');
	});

	it('no run yet: every figure is "—"', () => {
		for (const key of Object.keys(RUN_FIGURES) as (keyof typeof RUN_FIGURES)[]) {
			expect(figureText(key, null)).toBe('—');
		}
	});

	it('every figure is defined in its help, speeds with their unit', () => {
		for (const figure of Object.values(RUN_FIGURES)) {
			expect(figure.help.length).toBeGreaterThan(60);
		}
		expect(RUN_FIGURES.firstToken.help).toMatch(/click.*on screen/);
		expect(RUN_FIGURES.prefillSpeed.help).toMatch(/prompt tokens/i);
		expect(RUN_FIGURES.decodeSpeed.help).toMatch(/first token to the last/);
		expect(RUN_FIGURES.laneDecodeSpeed.help).toMatch(/decoded together/);
		expect(RUN_FIGURES.prefillSpeed.unit).toBe('tokens/s');
		expect(RUN_FIGURES.decodeSpeed.unit).toBe('tokens/s');
	});
});
