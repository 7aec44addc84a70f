import { execSync } from 'node:child_process';
import { runHistoryBench } from './history.bench';
import { runResponsivenessBench } from './responsiveness.bench';
import { runSamplerBench } from './sampler.bench';
import { runStorageBench } from './storage.bench';
import { runSweepBench } from './sweep.bench';
import { runWhatIfBench } from './whatif.bench';

const results = [runSamplerBench(), await runStorageBench()];
// The sweep and what-if figures run the built app in Chromium.
execSync('npm run build', { stdio: 'ignore' });
results.push(await runSweepBench());
results.push(await runWhatIfBench());
results.push(await runResponsivenessBench());
results.push(await runHistoryBench());
if (results.includes(false)) process.exitCode = 1;
