import { execSync } from 'node:child_process';
import { runEngineBench } from './engine.bench';
import { runHistoryBench } from './history.bench';
import { runKernelBench } from './kernel.bench';
import { runResponsivenessBench } from './responsiveness.bench';
import { runSamplerBench } from './sampler.bench';
import { runStorageBench } from './storage.bench';
import { runSweepBench } from './sweep.bench';
import { runWhatIfBench } from './whatif.bench';

/**
 * `npm run bench` runs every bench; `npm run bench -- engine sweep` only the ones named. Exits
 * non-zero when a bench reports a failed check.
 */

const BENCHES: { name: string; browser: boolean; run: () => boolean | Promise<boolean> }[] = [
	{ name: 'sampler', browser: false, run: runSamplerBench },
	{ name: 'storage', browser: false, run: runStorageBench },
	{ name: 'sweep', browser: true, run: runSweepBench },
	{ name: 'whatif', browser: true, run: runWhatIfBench },
	{ name: 'responsiveness', browser: true, run: runResponsivenessBench },
	{ name: 'history', browser: true, run: runHistoryBench },
	{ name: 'engine', browser: true, run: runEngineBench },
	{ name: 'kernel', browser: false, run: runKernelBench }
];

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !BENCHES.some((b) => b.name === name));
if (unknown.length > 0) {
	console.error(
		`Unknown bench ${unknown.join(', ')}; one of ${BENCHES.map((b) => b.name).join(', ')}`
	);
	process.exit(2);
}
const chosen = BENCHES.filter((b) => asked.length === 0 || asked.includes(b.name));
const results: boolean[] = [];
let built = false;
for (const bench of chosen) {
	if (bench.browser && !built) {
		// The browser figures run the built app in Chromium.
		execSync('npm run build', { stdio: 'ignore' });
		built = true;
	}
	results.push(await bench.run());
}
if (results.includes(false)) process.exitCode = 1;
