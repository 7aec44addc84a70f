import {
	BUILTIN_SKILLS,
	skillNamed,
	validateSkill,
	type Skill,
	type SkillDraft,
	type SkillProblem,
	type UserSkillRecord
} from '#lib/core/skill';
import type { SkillStore } from '#lib/storage/skills';
import { describeError } from './errors';

/**
 * The skill library the page offers: the built-in skills and the user's own, which it creates,
 * edits, renames and deletes (with Undo) through the skill store. The skill picker, the skills
 * manager and the compare's skill axis read it; compose.ts builds it.
 */
export class SkillLibrary {
	/** The user's own skills, oldest first. */
	userSkills = $state.raw<UserSkillRecord[]>([]);
	/** The skill deleted last, until Undo or the next change. */
	deleted = $state.raw<UserSkillRecord | null>(null);
	/** Why the store failed, if it did. */
	error = $state('');

	constructor(
		private readonly store: SkillStore,
		private readonly clock: { now(): number; newId(): string } = {
			now: () => Date.now(),
			newId: () => crypto.randomUUID()
		}
	) {}

	/** Every skill, built-in ones first. */
	get all(): Skill[] {
		return [...BUILTIN_SKILLS, ...this.userSkills.map((record) => ({ ...record, builtIn: false }))];
	}

	/** The skill called `name` (any case), or undefined. */
	named(name: string): Skill | undefined {
		return skillNamed(this.all, name);
	}

	/** Reads the user's skills from the store. */
	async load(): Promise<void> {
		await this.guard(async () => {
			this.userSkills = await this.store.list();
		});
	}

	/** Adds a skill; returns its problems instead when it cannot be saved. */
	async create(draft: SkillDraft): Promise<SkillProblem[]> {
		const problems = validateSkill(draft, this.all);
		if (problems.length > 0) return problems;
		const now = this.clock.now();
		const record: UserSkillRecord = {
			id: this.clock.newId(),
			...trimmed(draft),
			createdAt: now,
			updatedAt: now
		};
		await this.guard(async () => {
			await this.store.put(record);
			this.userSkills = [...this.userSkills, record];
			this.deleted = null;
		});
		return [];
	}

	/** Changes (or renames) the user's skill `id`; returns its problems when it cannot be saved. */
	async update(id: string, draft: SkillDraft): Promise<SkillProblem[]> {
		const current = this.userSkills.find((s) => s.id === id);
		if (!current) return [{ field: 'name', message: 'Name: this skill no longer exists.' }];
		const problems = validateSkill(
			draft,
			this.all.filter((s) => s.id !== id)
		);
		if (problems.length > 0) return problems;
		const record: UserSkillRecord = { ...current, ...trimmed(draft), updatedAt: this.clock.now() };
		await this.guard(async () => {
			await this.store.put(record);
			this.userSkills = this.userSkills.map((s) => (s.id === id ? record : s));
			this.deleted = null;
		});
		return [];
	}

	/** Deletes the user's skill `id`; {@link undoDelete} brings it back. */
	async delete(id: string): Promise<void> {
		const record = this.userSkills.find((s) => s.id === id);
		if (!record) return;
		await this.guard(async () => {
			await this.store.delete(id);
			this.userSkills = this.userSkills.filter((s) => s.id !== id);
			this.deleted = record;
		});
	}

	/** Restores the skill deleted last, unless a skill of its name was made since. */
	async undoDelete(): Promise<void> {
		const record = this.deleted;
		if (!record) return;
		if (this.named(record.name)) {
			this.error = `“${record.name}” cannot come back: another skill has its name now.`;
			this.deleted = null;
			return;
		}
		await this.guard(async () => {
			await this.store.put(record);
			this.userSkills = [...this.userSkills, record].sort((a, b) => a.createdAt - b.createdAt);
			this.deleted = null;
		});
	}

	private async guard(action: () => Promise<void>): Promise<void> {
		try {
			this.error = '';
			await action();
		} catch (error) {
			this.error = `The skills could not be saved or read: ${describeError(error)}`;
		}
	}
}

function trimmed(draft: SkillDraft): SkillDraft {
	return {
		name: draft.name.trim(),
		description: draft.description.trim(),
		systemPrompt: draft.systemPrompt
	};
}
