import type { InitProgressReport } from '@mlc-ai/web-llm';
import type { LoadProgress } from '#lib/core/model';

const MB = 1024 * 1024;

/**
 * Maps WebLLM 0.2.86's progress reports to ours. It reports a fraction and a text; the texts
 * say the phase ("Fetching param cache[i/n]: X MB fetched", "Loading model from cache[i/n]: X MB
 * loaded", "Loading GPU shader modules[i/n]", "Finish loading on …"), and the byte counts are
 * whole megabytes, so totals are estimates.
 */
export function mapInitProgress(report: InitProgressReport): LoadProgress {
	const { text } = report;
	const fraction = Number.isFinite(report.progress) ? Math.min(1, Math.max(0, report.progress)) : 0;
	const megabytes = /(\d+)\s*MB (?:fetched|loaded)/.exec(text);
	const bytes = megabytes ? Number(megabytes[1]) * MB : 0;
	const totalBytes = bytes > 0 && fraction > 0 ? Math.round(bytes / fraction) : 0;
	if (/^Fetching param cache|^Start to fetch/.test(text)) {
		return { phase: 'download', loadedBytes: bytes, totalBytes, fraction, detail: text };
	}
	if (/^Loading model from cache/.test(text)) {
		return { phase: 'read', loadedBytes: bytes, totalBytes, fraction, detail: text };
	}
	return { phase: 'initialize', loadedBytes: 0, totalBytes: 0, fraction, detail: text };
}

/** The GPU named in WebLLM's last report ("Finish loading on WebGPU - <adapter>"), if any. */
export function gpuLabelFrom(text: string): string | null {
	const match = /^Finish loading on (.+)$/.exec(text.trim());
	return match ? match[1] : null;
}
