import { parseAxisValues, SWEEP_PARAMS } from '#lib/compare/sweep';
import type { Experiment, ExperimentModel, SweepParam } from '#lib/core/experiment';
import type { EngineId } from '#lib/core/model';
import type { ChatMessage, PromptInput } from '#lib/core/prompt';
import { SKILL_LIMITS, type SkillRef } from '#lib/core/skill';
import { CONTEXT_LENGTH_SPEC, MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';
import {
	array,
	boolean,
	isPlainObject,
	must,
	number,
	nullable,
	object,
	oneOf,
	string,
	type Reader
} from './check';
import { STAGE_DEFINITIONS, type StageRegistry } from '#lib/sampling';
import { samplingParamsReader } from './sampling-params';

/**
 * The one validator of an {@link Experiment}, for every format that carries one: the sessions
 * file reads it at `sessions[i].experiment`, the share link after expanding its compact form.
 * Each problem names its path (`params.topP: must be a number in (0, 1], got 3`). Calls the
 * combinators (check.ts), the sampling-parameter reader and the sweep's own parser.
 */

/** Sizes a format may cap beyond what an experiment allows (a link must stay short). */
export interface ExperimentLimits {
	modelIdChars?: number;
	stopSequences?: number;
	sweepTextChars?: number;
}

export interface ExperimentRules {
	/** The stages whose parameters `params` holds; the sampler's own by default. */
	registry?: StageRegistry;
	limits?: ExperimentLimits;
}

const MODEL_ENGINES = ['llama', 'wllama', 'webllm'] as const satisfies readonly EngineId[];
const SAMPLING_MODES = ['exact', 'native'] as const;

const sha256Hex = string({ pattern: /^[0-9a-f]{64}$/, what: '64 lowercase hex digits' });

const message = object<ChatMessage>({
	role: oneOf(['system', 'user', 'assistant']),
	content: string()
});
const completionInput = object<Extract<PromptInput, { mode: 'completion' }>>(
	{ mode: oneOf(['completion']), prompt: string(), parseSpecial: boolean },
	{ optional: ['parseSpecial'] }
);
/**
 * A chat's messages. The page holds a chat as a conversation and a prompt box, whose text is the
 * last user message; a chat ending otherwise would open with an empty user message added.
 */
const chatMessages: Reader<ChatMessage[]> = (value, path, problems) => {
	const before = problems.length;
	const messages = array(message)(value, path, problems);
	const last = messages.at(-1);
	if (problems.length === before && last?.role !== 'user') {
		const got =
			messages.length === 0
				? 'no messages'
				: `${messages.length} ${messages.length === 1 ? 'message' : 'messages'} ending with "${last?.role}"`;
		problems.push(`${path}: must end with a user message (the prompt), got ${got}`);
	}
	return messages;
};
const chatInput = object<Extract<PromptInput, { mode: 'chat' }>>(
	{ mode: oneOf(['chat']), systemPrompt: string(), messages: chatMessages, parseSpecial: boolean },
	{ optional: ['systemPrompt', 'parseSpecial'] }
);
const promptInput: Reader<PromptInput> = (value, path, problems) => {
	const mode = isPlainObject(value) ? value.mode : undefined;
	if (mode === 'chat') return chatInput(value, path, problems);
	if (mode === 'completion') return completionInput(value, path, problems);
	if (!isPlainObject(value)) must(problems, path, 'an object', value);
	else must(problems, `${path}.mode`, 'one of "completion", "chat"', mode);
	return value as PromptInput;
};

/** A skill as experiments and runs carry it: a name and the system prompt text it stands for. */
export const skillRef = object<SkillRef>({
	name: string({ nonEmpty: true, maxLength: SKILL_LIMITS.name }),
	systemPrompt: string()
});

type SweepAxisInput = NonNullable<Experiment['sweep']>[number];

/** An axis as typed; its values must parse as the compare view would parse them. */
function sweepAxis(maxTextChars?: number): Reader<SweepAxisInput> {
	const fields = object<SweepAxisInput>({
		param: oneOf(SWEEP_PARAMS.map((p) => p.param)),
		text: string({ nonEmpty: true, maxLength: maxTextChars })
	});
	return (value, path, problems) => {
		const before = problems.length;
		const axis = fields(value, path, problems);
		// Model ids and skill names are checked by the compare view against the models and
		// skills this page offers (a session's own skills included).
		if (problems.length > before || axis.param === 'model' || axis.param === 'skill') return axis;
		const values = parseAxisValues(axis.param as Exclude<SweepParam, 'model' | 'skill'>, axis.text);
		if (!values.ok) {
			// The parser's message starts with the axis label: "Seed: “one” is not a number; …".
			const [label, why] = splitOnce(values.message.replace(/\.$/, ''), ': ');
			must(problems, `${path}.text`, `${label ? `${label} ` : ''}values (${why})`, axis.text);
		}
		return axis;
	};
}

function splitOnce(text: string, separator: string): [string, string] {
	const at = text.indexOf(separator);
	return at < 0 ? ['', text] : [text.slice(0, at), text.slice(at + separator.length)];
}

/** The reader of an experiment under these rules. */
export function experimentReader(rules: ExperimentRules = {}): Reader<Experiment> {
	const { registry = STAGE_DEFINITIONS, limits = {} } = rules;
	const modelIdRule = `a non-empty string${limits.modelIdChars ? ` of at most ${limits.modelIdChars} characters` : ''}`;
	const model = object<ExperimentModel>({
		// Links have always opened any id of one character or more, blank ones included.
		id: string({ pattern: /^[\s\S]+$/, maxLength: limits.modelIdChars, what: modelIdRule }),
		name: string(),
		engine: oneOf(MODEL_ENGINES),
		sha256: nullable(sha256Hex)
	});
	// The page keeps stop sequences one per line, so a line break could not be shown.
	const stopSequence = string({
		pattern: /^[^\n]+$/,
		what: 'a non-empty string on one line'
	});
	return object<Experiment>(
		{
			model,
			input: promptInput,
			params: samplingParamsReader(registry),
			maxNewTokens: number({
				integer: true,
				min: MAX_NEW_TOKENS_SPEC.min,
				max: MAX_NEW_TOKENS_SPEC.max as number
			}),
			contextLength: number({
				integer: true,
				min: CONTEXT_LENGTH_SPEC.min,
				max: CONTEXT_LENGTH_SPEC.max as number
			}),
			stopSequences: array(stopSequence, { max: limits.stopSequences }),
			banEndOfText: boolean,
			sampling: oneOf(SAMPLING_MODES),
			sweep: array(sweepAxis(limits.sweepTextChars), { min: 1, max: 2 }),
			skill: skillRef,
			skills: array(skillRef, { max: 16 })
		},
		{ optional: ['sweep', 'skill', 'skills'] }
	);
}

export type ReadExperiment = { ok: true; value: Experiment } | { ok: false; problems: string[] };

/** Checks `value` as an experiment at the top level (paths start at its fields). */
export function readExperiment(value: unknown, rules: ExperimentRules = {}): ReadExperiment {
	const problems: string[] = [];
	const experiment = experimentReader(rules)(value, '', problems);
	return problems.length > 0 ? { ok: false, problems } : { ok: true, value: experiment };
}
