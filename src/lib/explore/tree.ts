import type { SamplerCheckpoint, StepTrace } from '#lib/sampling';

/** Who chose a node's token: the sampler's draw, or the user picking another candidate. */
export type PickedBy = 'sampler' | 'user';

/** One generated token in the tree of continuations of a prompt. */
export interface TreeNode {
	readonly id: number;
	/** `null` for the root, which stands for the prompt itself. */
	readonly parent: number | null;
	/** The token this node adds; `null` for the root. */
	readonly tokenId: number | null;
	/** Generated tokens from the root to this node (0 for the root). */
	readonly depth: number;
	/** Children by token id. */
	readonly children: Map<number, number>;
	/** How the sampler saw the step that produced this token, when it was traced. */
	trace: StepTrace | null;
	pickedBy: PickedBy | null;
	/** The sampler's random stream after choosing this token, so a branch can continue it. */
	checkpoint: SamplerCheckpoint | null;
	/** True when this token ends generation (EOS or a stop id). */
	isStop: boolean;
}

/** What the page sees of a node (no distributions, which stay in the worker). */
export interface NodeView {
	id: number;
	parent: number | null;
	tokenId: number | null;
	depth: number;
	children: number[];
	trace: StepTrace | null;
	pickedBy: PickedBy | null;
	isStop: boolean;
	/** The next-token distribution after this node is held, so continuing needs no model call. */
	stored: boolean;
}

/**
 * Every continuation of one prompt explored so far: runs, step-mode picks and what-ifs. Next-token
 * distributions are kept per node (within a byte budget, oldest dropped first) so re-sampling
 * inside explored paths needs no model call.
 */
export class ExplorationTree {
	readonly prompt: readonly number[];
	readonly root: TreeNode;
	readonly #nodes: TreeNode[] = [];
	readonly #distributions = new Map<number, Float32Array>();
	#storedBytes = 0;

	constructor(
		prompt: readonly number[],
		readonly maxStoredBytes = 256 * 1024 * 1024
	) {
		this.prompt = [...prompt];
		this.root = this.#create(null, null, 0);
	}

	get size(): number {
		return this.#nodes.length;
	}

	node(id: number): TreeNode {
		const node = this.#nodes[id];
		if (!node) throw new RangeError(`No node ${id} in the exploration tree`);
		return node;
	}

	/** The generated tokens from the root to `id`. */
	path(id: number): number[] {
		const tokens: number[] = [];
		for (let node = this.node(id); node.parent !== null; node = this.node(node.parent)) {
			tokens.push(node.tokenId!);
		}
		return tokens.reverse();
	}

	/** The nodes from the root's first child to `id`. */
	lineage(id: number): TreeNode[] {
		const nodes: TreeNode[] = [];
		for (let node = this.node(id); node.parent !== null; node = this.node(node.parent)) {
			nodes.push(node);
		}
		return nodes.reverse();
	}

	/** The whole context at `id`: prompt, then the generated tokens. */
	history(id: number): number[] {
		return [...this.prompt, ...this.path(id)];
	}

	child(id: number, tokenId: number): TreeNode | undefined {
		const childId = this.node(id).children.get(tokenId);
		return childId === undefined ? undefined : this.node(childId);
	}

	/** The child of `parent` with `tokenId`, created if new; its choice details are replaced. */
	addChild(
		parent: number,
		tokenId: number,
		choice: {
			trace: StepTrace | null;
			pickedBy: PickedBy;
			checkpoint: SamplerCheckpoint | null;
			isStop: boolean;
		}
	): TreeNode {
		const node =
			this.child(parent, tokenId) ?? this.#create(parent, tokenId, this.node(parent).depth + 1);
		node.trace = choice.trace;
		node.pickedBy = choice.pickedBy;
		node.checkpoint = choice.checkpoint;
		node.isStop = choice.isStop;
		return node;
	}

	/** The next-token distribution after `id`, if it is still held. */
	distribution(id: number): Float32Array | undefined {
		return this.#distributions.get(id);
	}

	/** Keeps the next-token distribution after `id`, dropping the oldest ones over budget. */
	storeDistribution(id: number, distribution: Float32Array): void {
		this.node(id);
		const previous = this.#distributions.get(id);
		if (previous) {
			this.#storedBytes -= previous.byteLength;
			this.#distributions.delete(id);
		}
		this.#distributions.set(id, distribution);
		this.#storedBytes += distribution.byteLength;
		for (const [oldest, stored] of this.#distributions) {
			if (this.#storedBytes <= this.maxStoredBytes || oldest === id) break;
			this.#distributions.delete(oldest);
			this.#storedBytes -= stored.byteLength;
		}
	}

	/** Empties the store of distributions and hands its arrays over, for reuse by another tree. */
	takeDistributions(): Float32Array[] {
		const arrays = [...this.#distributions.values()];
		this.#distributions.clear();
		this.#storedBytes = 0;
		return arrays;
	}

	get storedBytes(): number {
		return this.#storedBytes;
	}

	view(id: number): NodeView {
		const node = this.node(id);
		return {
			id: node.id,
			parent: node.parent,
			tokenId: node.tokenId,
			depth: node.depth,
			children: [...node.children.values()],
			trace: node.trace,
			pickedBy: node.pickedBy,
			isStop: node.isStop,
			stored: this.#distributions.has(id)
		};
	}

	/** Every node, root first, for the page's tree view. */
	views(): NodeView[] {
		return this.#nodes.map((node) => this.view(node.id));
	}

	#create(parent: number | null, tokenId: number | null, depth: number): TreeNode {
		const node: TreeNode = {
			id: this.#nodes.length,
			parent,
			tokenId,
			depth,
			children: new Map(),
			trace: null,
			pickedBy: null,
			checkpoint: null,
			isStop: false
		};
		this.#nodes.push(node);
		if (parent !== null && tokenId !== null) this.node(parent).children.set(tokenId, node.id);
		return node;
	}
}
