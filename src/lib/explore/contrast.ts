/**
 * WCAG 2 contrast of sRGB colours, and what colour-blind readers see of them: the arithmetic the
 * tests use to check the probability palette and the theme colours (static/app.css).
 */

export type Rgb = readonly [number, number, number];

/** `#rrggbb` or `#rgb` as 0–255 channels. */
export function parseHex(hex: string): Rgb {
	const digits = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim())?.[1];
	if (!digits) throw new Error(`not a hex colour: ${hex}`);
	const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits;
	return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as unknown as Rgb;
}

const toLinear = (channel: number) => {
	const c = channel / 255;
	return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};

/** WCAG relative luminance of linear RGB (0–1). */
const luminanceOfLinear = ([r, g, b]: Rgb) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** WCAG relative luminance, 0 (black) to 1 (white). */
export function relativeLuminance(colour: string): number {
	return luminanceOfLinear(parseHex(colour).map(toLinear) as unknown as Rgb);
}

/** WCAG contrast ratio of two colours, 1 to 21, whichever is lighter. */
export function contrastRatio(a: string, b: string): number {
	const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
	return (light + 0.05) / (dark + 0.05);
}

export type ColourVision = 'protanopia' | 'deuteranopia' | 'tritanopia';

/** Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB. */
const SIMULATION: Record<ColourVision, readonly Rgb[]> = {
	protanopia: [
		[0.152286, 1.052583, -0.204868],
		[0.114503, 0.786281, 0.099216],
		[-0.003882, -0.048116, 1.051998]
	],
	deuteranopia: [
		[0.367322, 0.860646, -0.227968],
		[0.280085, 0.672501, 0.047413],
		[-0.01182, 0.04294, 0.968881]
	],
	tritanopia: [
		[1.255528, -0.076749, -0.178779],
		[-0.078411, 0.930809, 0.147602],
		[0.004733, 0.691367, 0.3039]
	]
};

/** Relative luminance of `colour` as a reader with `vision` sees it. */
export function simulatedLuminance(colour: string, vision: ColourVision): number {
	const linear = parseHex(colour).map(toLinear);
	const seen = SIMULATION[vision].map((row) =>
		Math.min(1, Math.max(0, row[0] * linear[0] + row[1] * linear[1] + row[2] * linear[2]))
	) as unknown as Rgb;
	return luminanceOfLinear(seen);
}
