/**
 * How many items of a list to draw: it follows `total()` but grows by at most `step` per
 * animation frame, so a long list that arrives at once (a finished 400-token run) is drawn over
 * a few frames instead of in one long task. It shrinks with the list at once. Call it while a
 * component is being set up.
 */
export function drawnPerFrame(total: () => number, step: number): { readonly count: number } {
	let drawn = $state(step);
	$effect(() => {
		const target = total();
		if (drawn > target) drawn = Math.max(step, target);
		if (drawn >= target) return;
		const frame = requestAnimationFrame(() => (drawn = Math.min(target, drawn + step)));
		return () => cancelAnimationFrame(frame);
	});
	return {
		get count() {
			return Math.min(drawn, total());
		}
	};
}
