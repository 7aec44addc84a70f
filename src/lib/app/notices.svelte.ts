import { describeError } from './errors';

/**
 * The page's two banners: the error (what went wrong) and the notice (what the user should know).
 * Owns only their texts; every state class that reports to the user calls it, the page's
 * banners read it.
 */
export class Notices {
	error = $state('');
	notice = $state('');
	/** The GPU device was lost: only a page reload gets a fresh one. */
	offerReload = $state(false);

	/** Shows an engine or worker failure, offering a reload when the GPU device was lost. */
	showEngineError(error: unknown): void {
		this.error = describeError(error);
		this.offerReload = (error as { code?: unknown } | null)?.code === 'device-lost';
	}

	dismissError(): void {
		this.error = '';
		this.offerReload = false;
	}
}
