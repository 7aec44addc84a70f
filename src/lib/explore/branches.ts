import type { NodeView } from './tree';

/** A run of nodes without a fork, then the segments it forks into. */
export interface Segment {
	/** Node ids in order; the last one is where the segment forks or ends. */
	nodeIds: number[];
	children: Segment[];
}

/**
 * The tree as segments for display: a chain of single children reads as one piece of text, and a
 * fork starts one child segment per alternative. `nodes` are indexed by id, root first.
 */
export function segments(nodes: readonly NodeView[], from = 0): Segment[] {
	const root = nodes[from];
	if (!root) return [];
	return root.children.map((child) => segmentFrom(nodes, child));
}

function segmentFrom(nodes: readonly NodeView[], start: number): Segment {
	const nodeIds = [start];
	let node = nodes[start];
	while (node.children.length === 1) {
		node = nodes[node.children[0]];
		nodeIds.push(node.id);
	}
	return { nodeIds, children: node.children.map((child) => segmentFrom(nodes, child)) };
}

/** The last node of a segment's first descendant leaf: where "show this branch" goes. */
export function leafOf(segment: Segment): number {
	let current = segment;
	while (current.children.length > 0) current = current.children[0];
	return current.nodeIds.at(-1)!;
}
