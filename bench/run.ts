import { execSync } from 'node:child_process';
import { runEngineBench } from './engine.bench';
import { runHistoryBench } from './history.bench';
import { runKernelBench } from './kernel.bench';
import { runResponsivenessBench } from './responsiveness.bench';
import { runSamplerBench } from './sampler.bench';
import { runStagesBench } from './stages.bench';
import { runStorageBench } from './storage.bench';
import { runStreamingBench } from './streaming.bench';
import { runSweepBench } from './sweep.bench';
import { runWhatIfBench } from './whatif.bench';

/**
 * `npm run bench` runs every bench; `npm run bench -- engine sweep` only the ones named; options
 * (`--name=value`) go to the benches (e.g. `npm run bench -- streaming --baseline=none`). Exits
 * non-zero when a bench reports a failed check.
 */

const BENCHES: {
	name: string;
	browser: boolean;
	run: (options: string[]) => boolean | Promise<boolean>;
}[] = [
	{ name: 'sampler', browser: false, run: runSamplerBench },
	{ name: 'stages', browser: false, run: runStagesBench },
	{ name: 'storage', browser: false, run: runStorageBench },
	{ name: 'sweep', browser: true, run: runSweepBench },
	{ name: 'whatif', browser: true, run: runWhatIfBench },
	{ name: 'responsiveness', browser: true, run: runResponsivenessBench },
	{ name: 'streaming', browser: true, run: runStreamingBench },
	{ name: 'history', browser: true, run: runHistoryBench },
	{ name: 'engine', browser: true, run: runEngineBench },
	{ name: 'kernel', browser: false, run: runKernelBench }
];

const options = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
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
	results.push(await bench.run(options));
}
if (results.includes(false)) process.exitCode = 1;
