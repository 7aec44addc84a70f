import type { Experiment } from './experiment';
import type { PromptInput } from './prompt';
import type { RunRecord } from './session';

/**
 * Skills: named system prompts. The built-in library (one table), the rules a user's own skill
 * must meet, and how a run's system prompt is read from a session. The skill store, the skills
 * state, the sweep's skill axis, the formats and the compare/judgement exports call it.
 */

/**
 * A skill as sessions, links and lanes carry it: its name and the system prompt text it stands
 * for, so a session reproduces without the library it came from.
 */
export interface SkillRef {
	name: string;
	systemPrompt: string;
}

/** A skill of a library: built in, or the user's own (stored, with an id). */
export interface Skill extends SkillRef {
	/** `builtin:<slug>` for built-in skills, a random UUID for the user's own. */
	id: string;
	/** One line on what it is for. */
	description: string;
	builtIn: boolean;
}

/** A user's skill as stored. */
export interface UserSkillRecord {
	id: string;
	name: string;
	description: string;
	systemPrompt: string;
	createdAt: number;
	updatedAt: number;
}

/** The fields the skill form edits. */
export interface SkillDraft {
	name: string;
	description: string;
	systemPrompt: string;
}

/** The built-in skills, in the picker's order. Chosen to make sampling differences visible. */
export const BUILTIN_SKILLS: readonly Skill[] = [
	{
		id: 'builtin:concise',
		name: 'Concise assistant',
		description: 'Short, direct answers.',
		systemPrompt:
			'You are a concise assistant. Answer in at most three sentences. Do not repeat the question and do not add pleasantries.'
	},
	{
		id: 'builtin:tutor',
		name: 'Step-by-step tutor',
		description: 'Explains step by step, then checks understanding.',
		systemPrompt:
			'You are a patient tutor. Explain the answer step by step, numbering each step, using simple words. End with one short question that checks the student understood.'
	},
	{
		id: 'builtin:storyteller',
		name: 'Storyteller',
		description: 'Vivid, imaginative prose.',
		systemPrompt:
			'You are a storyteller. Answer every request with a short, vivid story with a clear beginning, middle and end. Use concrete images and varied sentences.'
	},
	{
		id: 'builtin:code-reviewer',
		name: 'Code reviewer',
		description: 'Reviews code: bugs first, then style.',
		systemPrompt:
			'You are a careful code reviewer. List problems in the code you are given, most serious first: bugs, then security, then readability. For each, quote the line and suggest a fix. Say so plainly if you find none.'
	},
	{
		id: 'builtin:translator',
		name: 'Translator',
		description: 'Translates into English; nothing else.',
		systemPrompt:
			'You are a translator. Translate the user’s message into English (or into the language they name), keeping its meaning and tone. Reply with the translation only.'
	},
	{
		id: 'builtin:json',
		name: 'JSON only',
		description: 'Replies with one JSON object and no prose.',
		systemPrompt:
			'You reply with a single valid JSON object and nothing else: no prose, no code fences. Use the key "answer" for your answer, and add other keys only when the user asks for them.'
	}
].map((skill) => ({ ...skill, builtIn: true }));

/** Longest name, description and system prompt a user's skill may have. */
export const SKILL_LIMITS = { name: 60, description: 200, systemPrompt: 8000 } as const;

/** A problem with one field of a skill draft, in words that name the field. */
export interface SkillProblem {
	field: keyof SkillDraft;
	message: string;
}

/** Names compare without case and surrounding spaces: "Tutor" and " tutor" are the same. */
export function sameSkillName(a: string, b: string): boolean {
	return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * What is wrong with `draft` as a skill next to `others` (every other skill, built-ins
 * included): each problem names its field. Empty when it may be saved.
 */
export function validateSkill(draft: SkillDraft, others: readonly SkillRef[]): SkillProblem[] {
	const problems: SkillProblem[] = [];
	const name = draft.name.trim();
	if (name === '') problems.push({ field: 'name', message: 'Name: enter a name.' });
	else if (name.length > SKILL_LIMITS.name)
		problems.push({
			field: 'name',
			message: `Name: at most ${SKILL_LIMITS.name} characters (this one has ${name.length}).`
		});
	else if (name.includes(','))
		problems.push({
			field: 'name',
			message: 'Name: no commas (a sweep lists skills separated by commas).'
		});
	else if (others.some((other) => sameSkillName(other.name, name)))
		problems.push({
			field: 'name',
			message: `Name: a skill named “${others.find((o) => sameSkillName(o.name, name))?.name}” exists already.`
		});
	if (draft.description.trim().length > SKILL_LIMITS.description)
		problems.push({
			field: 'description',
			message: `Description: at most ${SKILL_LIMITS.description} characters (this one has ${draft.description.trim().length}).`
		});
	if (draft.systemPrompt.trim() === '')
		problems.push({ field: 'systemPrompt', message: 'System prompt: enter the text.' });
	else if (draft.systemPrompt.length > SKILL_LIMITS.systemPrompt)
		problems.push({
			field: 'systemPrompt',
			message: `System prompt: at most ${SKILL_LIMITS.systemPrompt} characters (this one has ${draft.systemPrompt.length}).`
		});
	return problems;
}

/** The skill named `name` among `skills` (names compare as {@link sameSkillName}). */
export function skillNamed<T extends SkillRef>(skills: readonly T[], name: string): T | undefined {
	return skills.find((skill) => sameSkillName(skill.name, name));
}

/**
 * The system prompt run `run` of a session sent: its lane's skill's text when a skill axis set
 * it, otherwise the experiment's own chat system prompt; null for completion prompts.
 */
export function runSystemPrompt(
	experiment: Pick<Experiment, 'input'>,
	run: Pick<RunRecord, 'skill'>
): string | null {
	if (experiment.input.mode !== 'chat') return null;
	return run.skill ? run.skill.systemPrompt : (experiment.input.systemPrompt ?? '');
}

/** The prompt a lane under `skill` sends: `input` with the skill's text as its system prompt. */
export function withSkill(input: PromptInput, skill: SkillRef | undefined): PromptInput {
	if (!skill || input.mode !== 'chat') return input;
	return { ...input, systemPrompt: skill.systemPrompt };
}
