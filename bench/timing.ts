/** Median of the durations (ms) of `runs` calls of `fn`, after `warmup` unmeasured calls. */
export function medianMs(fn: (i: number) => void, runs: number, warmup: number): number {
	for (let i = 0; i < warmup; i++) fn(i);
	const times: number[] = [];
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		fn(i);
		times.push(performance.now() - start);
	}
	times.sort((a, b) => a - b);
	return times[Math.floor(times.length / 2)];
}

export function formatNumber(value: number, digits = 1): string {
	return value.toLocaleString('en-US', {
		minimumFractionDigits: digits,
		maximumFractionDigits: digits
	});
}

/** Prints rows as a fixed-width table with a header row. */
export function printTable(header: string[], rows: string[][]): void {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
	console.log(line(header));
	for (const row of rows) console.log(line(row));
}
