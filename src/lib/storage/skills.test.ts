import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openPlaygroundDb } from './db';
import { idbSkillStore } from './skills';

let counter = 0;
function freshDb() {
	const name = `skills-test-${++counter}`;
	return () => openPlaygroundDb({ name });
}

const skill = (id: string, createdAt: number) => ({
	id,
	name: `Skill ${id}`,
	description: '',
	systemPrompt: `Prompt ${id}`,
	createdAt,
	updatedAt: createdAt
});

describe('skill store', () => {
	it('keeps skills across connections, oldest first, replaces by id and deletes', async () => {
		const db = freshDb();
		const store = idbSkillStore(db);
		expect(await store.list()).toEqual([]);
		await store.put(skill('b', 2));
		await store.put(skill('a', 1));
		expect((await idbSkillStore(db).list()).map((s) => s.id)).toEqual(['a', 'b']);
		await store.put({ ...skill('a', 1), name: 'Renamed', updatedAt: 5 });
		expect((await store.list())[0]).toMatchObject({ id: 'a', name: 'Renamed', updatedAt: 5 });
		await store.delete('a');
		expect((await store.list()).map((s) => s.id)).toEqual(['b']);
	});

	it('skips a damaged record instead of showing it', async () => {
		const open = freshDb();
		const db = await open();
		await db.put('skills', { id: 'x', name: 3 } as never);
		await db.put('skills', skill('ok', 1));
		expect((await idbSkillStore(open).list()).map((s) => s.id)).toEqual(['ok']);
	});
});
