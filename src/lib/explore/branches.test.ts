import { describe, expect, it } from 'vitest';
import { leafOf, segments } from './branches';
import { ExplorationTree } from './tree';

const choice = { trace: null, pickedBy: 'sampler' as const, checkpoint: null, isStop: false };

describe('branch segments', () => {
	it('reads chains as one segment and forks as child segments', () => {
		const tree = new ExplorationTree([1]);
		const a = tree.addChild(0, 10, choice);
		const b = tree.addChild(a.id, 11, choice);
		const c1 = tree.addChild(b.id, 12, choice);
		const c2 = tree.addChild(b.id, 13, choice);
		const d = tree.addChild(c2.id, 14, choice);
		const result = segments(tree.views());
		expect(result).toEqual([
			{
				nodeIds: [a.id, b.id],
				children: [
					{ nodeIds: [c1.id], children: [] },
					{ nodeIds: [c2.id, d.id], children: [] }
				]
			}
		]);
		expect(leafOf(result[0])).toBe(c1.id);
		expect(leafOf(result[0].children[1])).toBe(d.id);
	});

	it('has nothing to show for an empty tree', () => {
		expect(segments(new ExplorationTree([1]).views())).toEqual([]);
		expect(segments([])).toEqual([]);
	});
});
