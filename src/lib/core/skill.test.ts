import { describe, expect, it } from 'vitest';
import {
	BUILTIN_SKILLS,
	runSystemPrompt,
	SKILL_LIMITS,
	validateSkill,
	withSkill,
	type SkillDraft
} from './skill';

const draft = (over: Partial<SkillDraft> = {}): SkillDraft => ({
	name: 'Pirate',
	description: 'Talks like a pirate.',
	systemPrompt: 'You are a pirate.',
	...over
});

describe('built-in skills', () => {
	it('have distinct names that a user skill could have, and a prompt each', () => {
		const names = BUILTIN_SKILLS.map((s) => s.name.toLowerCase());
		expect(new Set(names).size).toBe(names.length);
		for (const skill of BUILTIN_SKILLS) {
			expect(skill.builtIn).toBe(true);
			expect(skill.id).toMatch(/^builtin:/);
			expect(validateSkill(skill, [])).toEqual([]);
		}
		expect(names).toContain('json only');
	});
});

describe('validateSkill', () => {
	it('accepts a sound skill', () => {
		expect(validateSkill(draft(), BUILTIN_SKILLS)).toEqual([]);
	});

	it('names each field that is wrong', () => {
		expect(validateSkill(draft({ name: '  ', systemPrompt: ' ' }), [])).toEqual([
			{ field: 'name', message: 'Name: enter a name.' },
			{ field: 'systemPrompt', message: 'System prompt: enter the text.' }
		]);
		expect(
			validateSkill(
				draft({
					name: 'x'.repeat(SKILL_LIMITS.name + 1),
					description: 'd'.repeat(SKILL_LIMITS.description + 1),
					systemPrompt: 'p'.repeat(SKILL_LIMITS.systemPrompt + 1)
				}),
				[]
			).map((p) => p.message)
		).toEqual([
			`Name: at most 60 characters (this one has 61).`,
			`Description: at most 200 characters (this one has 201).`,
			`System prompt: at most 8000 characters (this one has 8001).`
		]);
		expect(validateSkill(draft({ name: 'a, b' }), [])[0].message).toMatch(/^Name: no commas/);
	});

	it('refuses a name another skill has, whatever its case and spaces', () => {
		expect(validateSkill(draft({ name: ' storyTELLER ' }), BUILTIN_SKILLS)).toEqual([
			{ field: 'name', message: 'Name: a skill named “Storyteller” exists already.' }
		]);
	});
});

describe('a run’s system prompt', () => {
	const chat = {
		input: {
			mode: 'chat' as const,
			systemPrompt: 'Edited.',
			messages: [{ role: 'user' as const, content: 'Hi' }]
		}
	};

	it('is its lane’s skill text under a skill axis, else the experiment’s own', () => {
		const tutor = { name: 'Tutor', systemPrompt: 'Explain.' };
		expect(runSystemPrompt(chat, { skill: tutor })).toBe('Explain.');
		expect(runSystemPrompt(chat, {})).toBe('Edited.');
		expect(runSystemPrompt({ input: { mode: 'completion', prompt: 'x' } }, {})).toBeNull();
	});

	it('is what a lane sends: the skill replaces the chat’s system prompt only', () => {
		const tutor = { name: 'Tutor', systemPrompt: 'Explain.' };
		expect(withSkill(chat.input, tutor)).toEqual({ ...chat.input, systemPrompt: 'Explain.' });
		expect(withSkill(chat.input, undefined)).toBe(chat.input);
		const completion = { mode: 'completion' as const, prompt: 'x' };
		expect(withSkill(completion, tutor)).toBe(completion);
	});
});
