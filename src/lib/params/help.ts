import {
	STAGE_DEFINITIONS,
	paramSpecsOf,
	type ParamHelp,
	type StageParamKey,
	type StageRegistry
} from '#lib/sampling';

export type { ParamHelp } from '#lib/sampling';

export type SettingKey =
	StageParamKey | 'seed' | 'maxNewTokens' | 'contextLength' | 'stop' | 'drySequenceBreakers';

/** Help for the settings that are not stage parameters (those carry their help in their stage). */
export const OTHER_SETTINGS_HELP = {
	seed: {
		what: 'Starts the random number generator. The same seed, model, prompt and settings give the same text, bit for bit.',
		low: 'Any integer from 0 to 4,294,967,295.',
		high: 'Leave it on random to explore; the seed used is shown after every run.',
		typical: 'Random while exploring, fixed when comparing settings.',
		fixes: 'Different results between runs: fix the seed.'
	},
	maxNewTokens: {
		what: 'The most tokens a run may generate. It also ends when the model emits its end token, a stop sequence appears, or the context is full.',
		low: 'Short answers, quick runs.',
		high: 'Long stories; the context window is the hard limit.',
		typical: '256',
		fixes:
			'Text cut off mid-sentence (finish reason "max tokens"): raise it. Runs that go on too long: lower it or add a stop sequence.'
	},
	contextLength: {
		what: 'The context window: how many tokens (prompt plus output) the model sees at once. Applied when the model is loaded.',
		low: 'Uses less memory; long prompts may not fit.',
		high: 'Up to what the model was trained with; more memory.',
		typical: 'The model’s own length, capped at 4096.',
		fixes:
			'"Context full" before the answer ends, or a forgotten start of a long chat: raise it. Out of memory while loading: lower it.'
	},
	stop: {
		what: 'Texts that end the run as soon as they appear; they are not part of the output. One per line.',
		low: 'None: the run ends on the end token or the token limit.',
		high: 'Up to 16.',
		typical: 'A blank line, or "User:" in a transcript.',
		fixes:
			'The model writes the user’s next turn too: add "User:" (or the speaker’s name). It stops too early: remove a stop that also occurs inside answers.'
	},
	drySequenceBreakers: {
		what: 'Texts that end a repeat for DRY: a token whose text contains one is never penalised, and a repeat cannot reach back past it. Quoted, separated by commas.',
		low: 'None: a repeat may run across lines and dialogue, so DRY also hits repeated speaker names and list markers.',
		high: 'Many breakers cut repeats short, so DRY catches less.',
		typical: 'llama.cpp’s "\\n", ":", "\\"", "*"; add a character’s name in role-play.',
		fixes:
			'DRY mangles names, markup or the format of a chat: add their separators as breakers. Loops across lines slip through: remove "\\n".'
	}
} satisfies Record<Exclude<SettingKey, StageParamKey>, ParamHelp>;

/** Help for every stage parameter of `registry`, by key. */
export function stageParamHelp(
	registry: StageRegistry = STAGE_DEFINITIONS
): Readonly<Record<string, ParamHelp>> {
	return Object.fromEntries(paramSpecsOf(registry).map((spec) => [spec.key, spec.help]));
}

/** Help for every setting of the parameter panel. */
export const PARAM_HELP: Readonly<Record<SettingKey, ParamHelp>> = {
	// The real registry gives help for every StageParamKey.
	...(stageParamHelp() as Record<StageParamKey, ParamHelp>),
	...OTHER_SETTINGS_HELP
};
