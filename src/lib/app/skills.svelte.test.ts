import { describe, expect, it } from 'vitest';
import type { UserSkillRecord } from '#lib/core/skill';
import type { SkillStore } from '#lib/storage/skills';
import { SkillLibrary } from './skills.svelte';

/** A skill store in memory; `failing` makes every call throw. */
class MemorySkillStore implements SkillStore {
	records = new Map<string, UserSkillRecord>();
	failing = false;
	async list() {
		this.check();
		return [...this.records.values()].sort((a, b) => a.createdAt - b.createdAt);
	}
	async put(skill: UserSkillRecord) {
		this.check();
		this.records.set(skill.id, structuredClone(skill));
	}
	async delete(id: string) {
		this.check();
		this.records.delete(id);
	}
	private check() {
		if (this.failing) throw new Error('QuotaExceededError');
	}
}

function library(store = new MemorySkillStore()) {
	let time = 0;
	let ids = 0;
	return {
		store,
		skills: new SkillLibrary(store, { now: () => ++time, newId: () => `id-${++ids}` })
	};
}

const pirate = { name: 'Pirate', description: 'Arr.', systemPrompt: 'You are a pirate.' };

describe('SkillLibrary', () => {
	it('offers the built-in skills, then the user’s own, which survive a new page', async () => {
		const { store, skills } = library();
		expect(skills.all.every((s) => s.builtIn)).toBe(true);
		expect(await skills.create({ ...pirate, name: '  Pirate ' })).toEqual([]);
		expect(skills.all.at(-1)).toMatchObject({ name: 'Pirate', builtIn: false, id: 'id-1' });
		const again = new SkillLibrary(store);
		await again.load();
		expect(again.named('pirate')?.systemPrompt).toBe('You are a pirate.');
	});

	it('refuses an invalid skill, naming the field, and stores nothing', async () => {
		const { store, skills } = library();
		const problems = await skills.create({ name: 'json only', description: '', systemPrompt: '' });
		expect(problems.map((p) => p.message)).toEqual([
			'Name: a skill named “JSON only” exists already.',
			'System prompt: enter the text.'
		]);
		expect(store.records.size).toBe(0);
	});

	it('edits and renames a skill, keeping its own name free, refusing another’s', async () => {
		const { store, skills } = library();
		await skills.create(pirate);
		await skills.create({ ...pirate, name: 'Poet' });
		expect(await skills.update('id-1', { ...pirate, systemPrompt: 'Arr!' })).toEqual([]);
		expect(await skills.update('id-1', { ...pirate, name: 'Sailor' })).toEqual([]);
		expect(store.records.get('id-1')).toMatchObject({
			name: 'Sailor',
			systemPrompt: 'You are a pirate.'
		});
		expect((await skills.update('id-1', { ...pirate, name: 'POET' }))[0].message).toBe(
			'Name: a skill named “Poet” exists already.'
		);
	});

	it('deletes a skill and Undo brings it back in its place', async () => {
		const { store, skills } = library();
		await skills.create(pirate);
		await skills.create({ ...pirate, name: 'Poet' });
		await skills.delete('id-1');
		expect(skills.named('Pirate')).toBeUndefined();
		expect(store.records.has('id-1')).toBe(false);
		await skills.undoDelete();
		expect(skills.userSkills.map((s) => s.name)).toEqual(['Pirate', 'Poet']);
		expect(store.records.has('id-1')).toBe(true);
		expect(skills.deleted).toBeNull();
	});

	it('says so when the store fails', async () => {
		const { store, skills } = library();
		store.failing = true;
		await skills.create(pirate);
		expect(skills.error).toMatch(/^The skills could not be saved or read: .*QuotaExceededError/);
		expect(skills.userSkills).toEqual([]);
	});
});
