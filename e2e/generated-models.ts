/**
 * The folder of synthetic models the browser tests generate (git-ignored). playwright.config.ts
 * has the app's server list it beside models/ (EXTRA_MODELS_DIR); specs write into it with
 * `makeTestModel`, which reuses a file already there.
 */
import { makeModel, type MadeModel, type MakeModelOptions } from '../tools/gguf/make-model';

export const E2E_MODELS_DIR = '.cache/e2e-models';

export function makeTestModel(options: Omit<MakeModelOptions, 'dir' | 'out'>): Promise<MadeModel> {
	return makeModel({ ...options, dir: E2E_MODELS_DIR });
}
