import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
	contrastRatio,
	parseHex,
	relativeLuminance,
	simulatedLuminance,
	type ColourVision
} from './contrast';
import { CONFIDENCE_PALETTE } from './token-metrics';

/** The theme colours of static/app.css: each `--name: light-dark(#light, #dark)`. */
function themeColours(): Record<'light' | 'dark', Record<string, string>> {
	const css = readFileSync(new URL('../../../static/app.css', import.meta.url), 'utf8');
	const themes = { light: {} as Record<string, string>, dark: {} as Record<string, string> };
	for (const [, name, light, dark] of css.matchAll(
		/--(color-[a-z0-9-]+):\s*light-dark\((#[0-9a-f]+),\s*(#[0-9a-f]+)\)/gi
	)) {
		themes.light[name] = light;
		themes.dark[name] = dark;
	}
	return themes;
}

const THEMES = themeColours();
const BACKGROUNDS = ['color-bg', 'color-surface', 'color-surface-2'];
const VISIONS: ColourVision[] = ['protanopia', 'deuteranopia', 'tritanopia'];

describe('WCAG contrast', () => {
	it('reads hex colours and gives the ratios WCAG gives', () => {
		expect(parseHex('#fff')).toEqual([255, 255, 255]);
		expect(parseHex('#1d2130')).toEqual([29, 33, 48]);
		expect(() => parseHex('red')).toThrow();
		expect(relativeLuminance('#000000')).toBe(0);
		expect(relativeLuminance('#ffffff')).toBe(1);
		expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 6);
		expect(contrastRatio('#fff', '#000')).toBeCloseTo(21, 6);
		// WebAIM's checker: #767676 on white is the lightest grey that passes 4.5:1.
		expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
		expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5);
	});

	it('keeps greys grey for colour-blind readers', () => {
		for (const vision of VISIONS)
			expect(simulatedLuminance('#808080', vision)).toBeCloseTo(relativeLuminance('#808080'), 2);
	});
});

describe.each(['light', 'dark'] as const)('the %s theme', (theme) => {
	const colours = THEMES[theme];

	it('is read from static/app.css', () => {
		for (const name of [...BACKGROUNDS, 'color-text', 'color-focus'])
			expect(colours[name]).toBeTruthy();
	});

	it('has text at least 4.5:1 on every background', () => {
		for (const background of BACKGROUNDS)
			for (const text of ['color-text', 'color-text-muted', 'color-text-faint', 'color-link'])
				expect(
					contrastRatio(colours[text], colours[background]),
					`${text} on ${background}`
				).toBeGreaterThanOrEqual(4.5);
		const pairs = [
			['color-danger', 'color-surface'],
			['color-danger-text', 'color-danger-soft'],
			['color-warning', 'color-warning-soft'],
			['color-warning', 'color-surface'],
			['color-success', 'color-surface'],
			['color-on-accent', 'color-accent'],
			['color-text', 'color-mark'],
			['color-text', 'color-accent-soft']
		];
		for (const [text, background] of pairs)
			expect(
				contrastRatio(colours[text], colours[background]),
				`${text} on ${background}`
			).toBeGreaterThanOrEqual(4.5);
	});

	it('has a focus ring and input borders at least 3:1 against every background', () => {
		for (const background of [...BACKGROUNDS, 'color-accent-soft'])
			expect(
				contrastRatio(colours['color-focus'], colours[background]),
				`focus on ${background}`
			).toBeGreaterThanOrEqual(3);
		for (const background of BACKGROUNDS)
			expect(
				contrastRatio(colours['color-border-strong'], colours[background]),
				`input border on ${background}`
			).toBeGreaterThanOrEqual(3);
	});

	describe('probability palette', () => {
		const steps = CONFIDENCE_PALETTE.map((step) => step[theme]);

		it('keeps the token text (and the score line) at least 4.5:1 on every step', () => {
			for (const step of steps)
				expect(contrastRatio(colours['color-text'], step), step).toBeGreaterThanOrEqual(4.5);
		});

		it('moves away from the surface step by step, the least confident stands out', () => {
			const fromSurface = steps.map((step) => contrastRatio(step, colours['color-surface']));
			for (let i = 1; i < fromSurface.length; i++)
				expect(fromSurface[i], `step ${i}`).toBeLessThan(fromSurface[i - 1]);
			expect(fromSurface[0]).toBeGreaterThanOrEqual(2.5);
			expect(contrastRatio(steps[0], steps.at(-1)!)).toBeGreaterThanOrEqual(2.5);
		});

		it('is ordered by lightness alone, so colour-blind readers see the same order', () => {
			const towardsSurface = (a: number, b: number) => (theme === 'light' ? b > a : b < a);
			for (const vision of [null, ...VISIONS]) {
				const seen = steps.map((step) =>
					vision ? simulatedLuminance(step, vision) : relativeLuminance(step)
				);
				for (let i = 1; i < seen.length; i++)
					expect(towardsSurface(seen[i - 1], seen[i]), `${vision ?? 'normal'} step ${i}`).toBe(
						true
					);
			}
		});
	});
});
