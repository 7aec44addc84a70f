import type { StageParamKey } from '#lib/sampling';

/** Help for one setting: what it does, what low and high values do, uses, and common fixes. */
export interface ParamHelp {
	what: string;
	low: string;
	high: string;
	typical: string;
	/** Common symptoms this setting fixes, and which way to turn it. */
	fixes: string;
}

export type SettingKey = StageParamKey | 'seed' | 'maxNewTokens' | 'contextLength' | 'stop';

export const PARAM_HELP: Record<SettingKey, ParamHelp> = {
	temperature: {
		what: 'Divides every logit by T before the probabilities are computed.',
		low: 'Below 1 sharpens the distribution: safer, more repetitive text. 0 always takes the most likely token (greedy).',
		high: 'Above 1 flattens the distribution: more surprising words, and eventually nonsense.',
		typical: '0.2 for facts and code, 0.7–0.9 for conversation and stories.',
		fixes:
			'Repetitive output: raise it a little. Incoherent output: lower it, or give more context.'
	},
	topK: {
		what: 'Keeps only the k most likely tokens before drawing. 0 turns it off.',
		low: 'Small k (1–10) leaves few choices; 1 is the same as greedy.',
		high: 'Large k keeps the long tail of unlikely tokens.',
		typical: '40–50 with top-p; 0 when min-p or top-p does the cutting.',
		fixes:
			'Odd or nonsense words: lower k. Bland, predictable text: raise k or set it to 0 and let top-p or min-p cut.'
	},
	topP: {
		what: 'Nucleus sampling: keeps the most likely tokens until their probabilities add up to p.',
		low: 'Low p keeps only the head of the distribution: focused, predictable text.',
		high: '1 keeps everything (off).',
		typical: '0.9–0.95 for general use, 0.5 or lower for precise answers.',
		fixes: 'Repetitive output: raise top-p. Rambling or off-topic output: lower it.'
	},
	minP: {
		what: 'Keeps tokens that are at least min-p times as likely as the most likely one.',
		low: '0 turns it off; 0.02–0.05 trims only the nonsense tail.',
		high: '0.2 and more keeps only close contenders of the best token.',
		typical:
			'0.05, which adapts to how sure the model is: few tokens when confident, many when not.',
		fixes:
			'Nonsense at high temperature: raise min-p (0.05–0.1) before lowering the temperature. Too predictable: lower it.'
	},
	repeatPenalty: {
		what: 'Makes tokens from the recent context less likely: positive logits are divided by it, negative ones multiplied.',
		low: '1 turns it off.',
		high: '1.3 and more pushes the model away from words it already used, even ones it needs.',
		typical: '1.05–1.15 against loops.',
		fixes: 'Loops and repeated phrases: raise it slightly or widen its window.'
	},
	repeatLastN: {
		what: 'How many recent tokens (prompt included) the penalties look at.',
		low: '0 turns the penalties off.',
		high: 'Longer windows also penalise words from far back; −1 uses the whole context.',
		typical: '64',
		fixes:
			'Loops over long passages: widen the window. The model avoids words the prompt needs: shorten it.'
	},
	frequencyPenalty: {
		what: 'Subtracts this much from a token’s logit for every time it occurs in the window.',
		low: 'Negative values encourage repeating words.',
		high: 'Positive values discourage words the more often they were used.',
		typical: '0–0.7',
		fixes: 'The same word over and over: raise it.'
	},
	presencePenalty: {
		what: 'Subtracts this much once from the logit of every token that occurs in the window.',
		low: 'Negative values encourage staying on the same words.',
		high: 'Positive values push towards new words and topics.',
		typical: '0–0.7',
		fixes: 'Stuck on one topic: raise it. Drifting off topic or dropping names: lower it.'
	},
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
	}
};
