import { isJudgeable, keptRanking, preferencePairs, rankOf } from '#lib/compare/judgement';
import { chatMessages, type ChatMessage, type PromptInput } from '#lib/core/prompt';
import type { RunRecord, SessionRecord } from '#lib/core/session';
import { withSkill } from '#lib/core/skill';
import { PARAM_SPECS, type StageName, type StageParamKey } from '#lib/sampling';

/**
 * Judged compares as training data (docs/judgements.md): SFT JSONL (one line per judged compare:
 * the conversation with the best lane's reply) and DPO JSONL (one line per chosen/rejected pair),
 * in the conversational shapes of TRL's dataset formats (`messages`; `prompt`, `chosen`,
 * `rejected`), or the standard string shapes (`prompt` + `completion`; `prompt`, `chosen`,
 * `rejected`) for completion-mode compares. Pure; the judgements state calls it.
 */

/** The sampling settings of one lane, with the same keys in every line (see docs/judgements.md). */
export interface LaneMetadata {
	lane: string;
	label: string;
	model: string;
	/** 1 for the best lane; null for a lane left unranked. */
	rank: number | null;
	/** The system prompt the lane ran with (chat), null for none or for completion mode. */
	systemPrompt: string | null;
	/** The seed used (a random seed as resolved). */
	seed: number | null;
	params: Record<StageParamKey, number> & {
		order: StageName[];
		drySequenceBreakers: string[];
		/** The logit bias as a list, so every line has the same type whatever the ids. */
		logitBias: { id: number; bias: number }[];
	};
	finishReason: string | null;
}

export interface SftLine {
	messages?: ChatMessage[];
	prompt?: string;
	completion?: string;
	metadata?: { session: string; lane: LaneMetadata };
}

export interface DpoLine {
	prompt: ChatMessage[] | string;
	chosen: ChatMessage[] | string;
	rejected: ChatMessage[] | string;
	metadata?: { session: string; chosen: LaneMetadata; rejected: LaneMetadata };
}

export interface TrainingOptions {
	/** Add each line's `metadata` (the lanes' settings); on by default. */
	metadata?: boolean;
}

/**
 * The prompt a lane ran with: the experiment's, with the system prompt of the lane's own skill
 * when a skill axis gave it one (the run record's `skill`), as the lane sent it.
 */
export function laneInput(session: SessionRecord, run: RunRecord): PromptInput {
	return withSkill(session.experiment.input, run.skill);
}

function laneMetadata(session: SessionRecord, run: RunRecord): LaneMetadata {
	const input = laneInput(session, run);
	const stageValues = Object.fromEntries(
		PARAM_SPECS.map((spec) => [spec.key, run.params[spec.key]])
	) as Record<StageParamKey, number>;
	return {
		lane: run.id,
		label: run.label,
		model: run.modelId,
		rank: rankOf(session.judgement?.ranking ?? [], run.id),
		systemPrompt: input.mode === 'chat' && input.systemPrompt?.trim() ? input.systemPrompt : null,
		seed: run.seed,
		params: {
			...stageValues,
			order: [...run.params.order],
			drySequenceBreakers: [...run.params.drySequenceBreakers],
			logitBias: Object.entries(run.params.logitBias).map(([id, bias]) => ({
				id: Number(id),
				bias
			}))
		},
		finishReason: run.finishReason
	};
}

/** The lanes of a judged compare that can be judged, in lane order; empty when it is not judged. */
function judgedRuns(session: SessionRecord): RunRecord[] {
	if (session.kind !== 'compare' || !session.judgement) return [];
	return session.runs.filter((run) => isJudgeable(run.status));
}

/** The judged compare's best lane, if any lane ranked is one that can be judged. */
function bestRun(session: SessionRecord): RunRecord | undefined {
	const runs = judgedRuns(session);
	const ranking = keptRanking(
		session.judgement?.ranking ?? [],
		runs.map((r) => r.id)
	);
	return runs.find((run) => run.id === ranking[0]);
}

/** The SFT line of one judged compare: its best lane's prompt and reply; null when not judged. */
export function sftLine(session: SessionRecord, options: TrainingOptions = {}): SftLine | null {
	const best = bestRun(session);
	if (!best) return null;
	const input = laneInput(session, best);
	const line: SftLine =
		input.mode === 'chat'
			? { messages: [...chatMessages(input), { role: 'assistant', content: best.text }] }
			: { prompt: input.prompt, completion: best.text };
	if (options.metadata ?? true) {
		line.metadata = { session: session.id, lane: laneMetadata(session, best) };
	}
	return line;
}

/**
 * The DPO lines of one judged compare, one per chosen/rejected pair of its ranking
 * ({@link preferencePairs}). The prompt is the one the chosen lane ran with. A pair whose two
 * replies are the same text teaches nothing and is left out.
 */
export function dpoLines(session: SessionRecord, options: TrainingOptions = {}): DpoLine[] {
	const runs = judgedRuns(session);
	const byId = new Map(runs.map((run) => [run.id, run]));
	const lines: DpoLine[] = [];
	for (const pair of preferencePairs(
		session.judgement?.ranking ?? [],
		runs.map((r) => r.id)
	)) {
		const chosen = byId.get(pair.chosen);
		const rejected = byId.get(pair.rejected);
		if (!chosen || !rejected || chosen.text === rejected.text) continue;
		const input = laneInput(session, chosen);
		const line: DpoLine =
			input.mode === 'chat'
				? {
						prompt: chatMessages(input),
						chosen: [{ role: 'assistant', content: chosen.text }],
						rejected: [{ role: 'assistant', content: rejected.text }]
					}
				: { prompt: input.prompt, chosen: chosen.text, rejected: rejected.text };
		if (options.metadata ?? true) {
			line.metadata = {
				session: session.id,
				chosen: laneMetadata(session, chosen),
				rejected: laneMetadata(session, rejected)
			};
		}
		lines.push(line);
	}
	return lines;
}

/** JSON Lines: one object a line, each line ended by `\n`; empty for no lines. */
function jsonl(lines: readonly object[]): string {
	return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}

/** The SFT file of these sessions (compares not judged are skipped), in the order given. */
export function sftJsonl(
	sessions: readonly SessionRecord[],
	options: TrainingOptions = {}
): string {
	return jsonl(
		sessions.map((s) => sftLine(s, options)).filter((line): line is SftLine => line !== null)
	);
}

/** The DPO file of these sessions (compares not judged are skipped), in the order given. */
export function dpoJsonl(
	sessions: readonly SessionRecord[],
	options: TrainingOptions = {}
): string {
	return jsonl(sessions.flatMap((s) => dpoLines(s, options)));
}

/** Whether a session is a compare with a judgement that gives at least an SFT line. */
export function isJudged(session: SessionRecord): boolean {
	return bestRun(session) !== undefined;
}

/** `judgements-dpo-once-upon-a-time.jsonl` for one compare, a dated name for the whole history. */
export function trainingFileName(
	kind: 'sft' | 'dpo',
	single: SessionRecord | null,
	now = Date.now()
): string {
	if (!single) return `judgements-${kind}-${new Date(now).toISOString().slice(0, 10)}.jsonl`;
	const slug = single.name
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '')
		.slice(0, 40);
	return `judgements-${kind}-${slug || 'untitled'}.jsonl`;
}
