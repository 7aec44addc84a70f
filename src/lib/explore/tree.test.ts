import { describe, expect, it } from 'vitest';
import { ExplorationTree } from './tree';

const choice = { trace: null, pickedBy: 'sampler' as const, checkpoint: null, isStop: false };

describe('ExplorationTree', () => {
	it('keeps branches apart and gives each node its path and full context', () => {
		const tree = new ExplorationTree([7, 8]);
		const a = tree.addChild(tree.root.id, 1, choice);
		const ab = tree.addChild(a.id, 2, choice);
		const ac = tree.addChild(a.id, 3, { ...choice, pickedBy: 'user' });
		expect(tree.path(ab.id)).toEqual([1, 2]);
		expect(tree.history(ac.id)).toEqual([7, 8, 1, 3]);
		expect(tree.lineage(ac.id).map((n) => n.tokenId)).toEqual([1, 3]);
		expect(tree.view(a.id).children).toEqual([ab.id, ac.id]);
		expect(tree.view(ac.id)).toMatchObject({ depth: 2, pickedBy: 'user', parent: a.id });
	});

	it('reuses the node of a token already explored instead of duplicating it', () => {
		const tree = new ExplorationTree([]);
		const first = tree.addChild(tree.root.id, 4, choice);
		const again = tree.addChild(tree.root.id, 4, { ...choice, pickedBy: 'user' });
		expect(again.id).toBe(first.id);
		expect(tree.size).toBe(2);
		expect(again.pickedBy).toBe('user');
	});

	it('drops the oldest distributions beyond its byte budget, never the newest', () => {
		const tree = new ExplorationTree([], 3 * 40);
		const ids = [tree.root.id];
		for (let i = 0; i < 4; i++) ids.push(tree.addChild(ids[i], i, choice).id);
		for (const id of ids) tree.storeDistribution(id, new Float32Array(10));
		expect(ids.map((id) => tree.view(id).stored)).toEqual([false, false, true, true, true]);
		expect(tree.storedBytes).toBe(120);
		expect(() => tree.node(99)).toThrow(/No node 99/);
	});
});
