import { createSampler, validateSamplingParams } from '#lib/sampling';
import type { SamplingBackend } from '../types';

/** The real sampler as the generation loop's backend, for tests that run real sampling. */
export const REAL_SAMPLING: SamplingBackend = { createSampler, validateSamplingParams };
