import { execSync } from 'node:child_process';
import { runSamplerBench } from './sampler.bench';
import { runSweepBench } from './sweep.bench';

const results = [runSamplerBench()];
// The sweep figure runs the built app in Chromium.
execSync('npm run build', { stdio: 'ignore' });
results.push(await runSweepBench());
if (results.includes(false)) process.exitCode = 1;
