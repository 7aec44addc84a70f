import type { UserSkillRecord } from '#lib/core/skill';
import { playgroundDb, type PlaygroundDb } from './db';

/**
 * The user's own skills in the `skills` store: list, save (add or replace by id) and delete.
 * Records are checked when read, so a damaged one is skipped rather than shown. Called by the
 * skills state (app/skills.svelte.ts) through the {@link SkillStore} it is given.
 */

export interface SkillStore {
	/** Every sound stored skill, oldest first. */
	list(): Promise<UserSkillRecord[]>;
	put(skill: UserSkillRecord): Promise<void>;
	delete(id: string): Promise<void>;
}

function isSkillRecord(value: unknown): value is UserSkillRecord {
	if (typeof value !== 'object' || value === null) return false;
	const r = value as Record<string, unknown>;
	return (
		typeof r.id === 'string' &&
		typeof r.name === 'string' &&
		r.name.trim() !== '' &&
		typeof r.description === 'string' &&
		typeof r.systemPrompt === 'string' &&
		typeof r.createdAt === 'number' &&
		typeof r.updatedAt === 'number'
	);
}

/** The skill store on the playground's database (or `db`, in tests). */
export function idbSkillStore(db: () => Promise<PlaygroundDb> = playgroundDb): SkillStore {
	return {
		async list() {
			const all: unknown[] = await (await db()).getAll('skills');
			return all.filter(isSkillRecord).sort((a, b) => a.createdAt - b.createdAt);
		},
		async put(skill) {
			await (await db()).put('skills', { ...skill });
		},
		async delete(id) {
			await (await db()).delete('skills', id);
		}
	};
}
