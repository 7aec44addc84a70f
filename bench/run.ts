import { runSamplerBench } from './sampler.bench';

const results = [runSamplerBench()];
if (results.includes(false)) process.exitCode = 1;
