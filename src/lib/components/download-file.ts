/**
 * Saves a file the app made (a session export, a JSONL of judgements) through the browser's
 * download, the one way a page can hand the user a file. Called by the components with export
 * buttons.
 */
export function downloadFile(file: { text: string; fileName: string }, type: string): void {
	const url = URL.createObjectURL(new Blob([file.text], { type }));
	const link = document.createElement('a');
	link.href = url;
	link.download = file.fileName;
	document.body.append(link);
	link.click();
	link.remove();
	// Revoked later: the download may still be reading the blob when click() returns.
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
