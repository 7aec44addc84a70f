import type { PlaygroundDbEvents } from '#lib/storage/db';
import type { Notices } from './notices.svelte';

/** What the page says while an older tab keeps the database from upgrading. */
export const BLOCKED_MESSAGE =
	'Waiting for another tab: close the other Sampling Playground tabs (an older version of the ' +
	'app holds its storage). This page goes on by itself once they are closed.';

/** What a tab says once a newer version took the database over in another tab. */
export const VERSION_CHANGE_MESSAGE =
	'A newer version of the Sampling Playground was opened in another tab, so this tab can no ' +
	'longer read or save the history: reload this page to go on.';

/**
 * What the page tells the user about other tabs of the app that share its database: the
 * database's events (see {@link PlaygroundDbEvents}) put into words on the notices. Built by
 * compose.ts, which hands its events to the database.
 */
export function otherTabsEvents(notices: Notices): Required<PlaygroundDbEvents> {
	return {
		onBlocked() {
			notices.notice = BLOCKED_MESSAGE;
		},
		onUnblocked() {
			if (notices.notice === BLOCKED_MESSAGE) notices.notice = '';
		},
		onVersionChange() {
			notices.error = VERSION_CHANGE_MESSAGE;
			notices.offerReload = true;
		}
	};
}
