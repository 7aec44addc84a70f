/** Debian's Chromium (Playwright cannot download browsers here); override with CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that let Chromium run as root and offline without reaching for Google's services. */
export const offlineRootArgs = [
	'--no-sandbox',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run'
];

/** Headless Chromium offers a software (SwiftShader) WebGPU adapter only with this flag. */
export const webGpuArgs = ['--enable-unsafe-webgpu'];
