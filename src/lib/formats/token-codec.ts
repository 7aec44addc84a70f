import type { StepTrace } from '#lib/core/run';
import type { TokenRecord } from '#lib/core/session';
import type { CandidateTrace, StageDetail, StageName, StageTrace } from '#lib/sampling';
import { stageDetail, stageDetailText } from './stage-detail';

/**
 * The compact binary form of a run's tokens and their sampler traces ("token chunks"): what the
 * history stores per save (storage/run-tokens.ts) and what export format 2 carries as base64
 * (session-format.ts). Pure. The layout is documented byte by byte in docs/session-format.md
 * ("Token data"); a change to it is a new {@link TOKEN_CODEC_VERSION}.
 *
 * Precision: ids, counts, flags, stage names, the draw `u` (float64) and the candidates' logits
 * (float32, the engines' own type; float64 when a value is not a float32) are always kept
 * exactly: the rank, sort and draw read them. Probabilities, removed mass and entropies are only
 * displayed: the history stores them as float32 (about 7 significant digits; `precision:
 * 'float32'`), and the encoder otherwise writes a token's as float32 only when that is exact,
 * else as float64, so an export gives back exactly what it was given.
 */
export const TOKEN_CODEC_VERSION = 2;

/** Largest finite float32: larger finite values are stored as this, not as Infinity. */
const F32_MAX = 3.4028234663852886e38;

const TOKEN_TRACED = 1;
const TOKEN_LOGPROBS = 2;
const TOKEN_HAS_U = 4;
const TOKEN_OTHER_CHOSEN = 8;
const TOKEN_FLOAT64 = 16;
const TOKEN_FLAGS = 31;

const STAGE_SKIPPED = 1;
const STAGE_KEPT_BEST = 2;
const STAGE_REMOVED_MASS = 4;
const STAGE_FACTOR = 8;
const STAGE_DETAIL = 16;
/** The stage flags each version may set: version 2 added a stage's detail. */
const STAGE_FLAGS_OF_VERSION: Readonly<Record<number, number>> = { 1: 15, 2: 31 };

const PROBABILITY_NULL = 0;
const PROBABILITY_SAME = 1;
const PROBABILITY_VALUE = 2;
const PROBABILITY_SCALED = 3;

const utf8 = new TextEncoder();

class Writer {
	private bytes = new Uint8Array(1024);
	private view = new DataView(this.bytes.buffer);
	length = 0;

	private room(n: number): void {
		if (this.length + n <= this.bytes.length) return;
		const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
		grown.set(this.bytes.subarray(0, this.length));
		this.bytes = grown;
		this.view = new DataView(grown.buffer);
	}

	u8(value: number): void {
		this.room(1);
		this.bytes[this.length++] = value;
	}

	/** Unsigned LEB128, for any safe integer ≥ 0. */
	varint(value: number, what: string): void {
		if (!Number.isSafeInteger(value) || value < 0) {
			throw new RangeError(`${what} must be an integer ≥ 0, got ${String(value)}`);
		}
		let rest = value;
		while (rest >= 0x80) {
			this.u8((rest % 0x80) | 0x80);
			rest = Math.floor(rest / 0x80);
		}
		this.u8(rest);
	}

	f32(value: number): void {
		this.room(4);
		const clamped = Number.isFinite(value) ? Math.max(-F32_MAX, Math.min(F32_MAX, value)) : value;
		this.view.setFloat32(this.length, clamped, true);
		this.length += 4;
	}

	/** A float32, or a float64 in a token written exactly. */
	float(value: number, exact: boolean): void {
		if (exact) this.f64(value);
		else this.f32(value);
	}

	f64(value: number): void {
		this.room(8);
		this.view.setFloat64(this.length, value, true);
		this.length += 8;
	}

	text(value: string): void {
		const encoded = utf8.encode(value);
		this.varint(encoded.length, 'a text length');
		this.room(encoded.length);
		this.bytes.set(encoded, this.length);
		this.length += encoded.length;
	}

	done(): Uint8Array<ArrayBuffer> {
		return this.bytes.slice(0, this.length);
	}
}

/** The float32 a value is stored as (what {@link decodeTokens} gives back). */
function asF32(value: number): number {
	return Math.fround(Number.isFinite(value) ? Math.max(-F32_MAX, Math.min(F32_MAX, value)) : value);
}

const same = (value: number): number => value;

/** How a token's display-only values are stored: float32 (rounded), or float64 (exactly). */
type Round = (value: number) => number;

/** Whether every display-only value of a trace is a float32 already (so float32 keeps it). */
function fitsFloat32(trace: StepTrace): boolean {
	const fits = (x: number | null) => x === null || Object.is(asF32(x), x);
	return (
		fits(trace.chosenProbability) &&
		fits(trace.entropyBefore) &&
		fits(trace.entropyAfter) &&
		trace.stages.every((s) => fits(s.massRemoved) && fits(s.entropy)) &&
		trace.candidates.every((c) => fits(c.rawProbability) && c.probabilities.every(fits))
	);
}

export interface EncodeOptions {
	/**
	 * `float32` rounds every display-only value to float32 (what the history stores); `exact`
	 * (the default) writes a token's values as float32 only when that keeps them exactly, and as
	 * float64 otherwise, so decoding gives back exactly what was encoded.
	 */
	precision?: 'float32' | 'exact';
}

/**
 * Encodes tokens as one chunk. Throws a `RangeError`/`TypeError` for values that are not tokens
 * (a negative id, a non-string piece): callers pass checked records.
 */
export function encodeTokens(
	tokens: readonly TokenRecord[],
	options: EncodeOptions = {}
): Uint8Array<ArrayBuffer> {
	const float32 = options.precision === 'float32';
	const names: string[] = [];
	const nameIndex = new Map<string, number>();
	const indexOf = (name: string): number => {
		let index = nameIndex.get(name);
		if (index === undefined) {
			index = names.length;
			names.push(name);
			nameIndex.set(name, index);
		}
		return index;
	};
	const body = new Writer();
	body.varint(tokens.length, 'the token count');
	for (const token of tokens) {
		const exact = !float32 && token.trace !== undefined && !fitsFloat32(token.trace);
		writeToken(body, token, exact, indexOf);
	}
	const out = new Writer();
	out.u8(TOKEN_CODEC_VERSION);
	out.varint(names.length, 'the name count');
	for (const name of names) out.text(name);
	const head = out.done();
	const rest = body.done();
	const chunk = new Uint8Array(head.length + rest.length);
	chunk.set(head);
	chunk.set(rest, head.length);
	return chunk;
}

function writeToken(
	w: Writer,
	token: TokenRecord,
	exact: boolean,
	indexOf: (name: string) => number
): void {
	w.varint(token.id, 'a token id');
	if (typeof token.piece !== 'string') throw new TypeError('a token piece must be a string');
	w.text(token.piece);
	const trace = token.trace;
	if (!trace) {
		w.u8(0);
		return;
	}
	let flags = TOKEN_TRACED;
	if (trace.distribution === 'logprobs') flags |= TOKEN_LOGPROBS;
	if (trace.u !== null) flags |= TOKEN_HAS_U;
	if (trace.chosenId !== token.id) flags |= TOKEN_OTHER_CHOSEN;
	if (exact) flags |= TOKEN_FLOAT64;
	const round: Round = exact ? same : asF32;
	w.u8(flags);
	w.varint(trace.step, 'a trace step');
	if (flags & TOKEN_OTHER_CHOSEN) w.varint(trace.chosenId, 'a chosen id');
	if (trace.u !== null) w.f64(trace.u);
	w.float(trace.chosenProbability, exact);
	w.float(trace.entropyBefore, exact);
	w.float(trace.entropyAfter, exact);
	const factors = stageFactors(trace, round);
	w.varint(trace.stages.length, 'a stage count');
	trace.stages.forEach((stage, s) => {
		w.varint(indexOf(stage.name), 'a name index');
		const removed = stage.massRemoved !== 0;
		const factor = factors[s];
		w.u8(
			(stage.skipped ? STAGE_SKIPPED : 0) |
				(stage.keptBestOnly ? STAGE_KEPT_BEST : 0) |
				(removed ? STAGE_REMOVED_MASS : 0) |
				(factor !== null ? STAGE_FACTOR : 0) |
				(stage.detail ? STAGE_DETAIL : 0)
		);
		w.varint(stage.survivors, 'a survivor count');
		if (removed) w.float(stage.massRemoved, exact);
		w.float(stage.entropy, exact);
		if (factor !== null) w.f64(factor);
		if (stage.detail) w.text(stageDetailText(stage.detail));
	});
	w.varint(trace.candidates.length, 'a candidate count');
	for (const candidate of trace.candidates) {
		writeCandidate(w, candidate, factors, exact, indexOf);
	}
}

/** The value before entry `i` of a candidate's probabilities, as the decoder has it. */
function before(candidate: CandidateTrace, i: number, round: Round): number | null {
	const value = i === 0 ? candidate.rawProbability : candidate.probabilities[i - 1];
	return value === null ? null : round(value);
}

/**
 * Per stage, the factor most candidates' probabilities were scaled by (a stage that only removes
 * candidates, or changes a few logits, renormalizes the rest by one factor), or null when too few
 * are: a candidate whose float32 value is exactly its previous value times the factor (float32)
 * is stored as a 2-bit code instead of 4 bytes. Multiplication is exact in IEEE arithmetic, so
 * every reader gets the same float32.
 */
function stageFactors(trace: StepTrace, round: Round): (number | null)[] {
	return trace.stages.map((stage, s) => {
		if (stage.skipped) return null;
		let best: CandidateTrace | null = null;
		for (const c of trace.candidates) {
			const value = c.probabilities[s];
			const previous = before(c, s, round);
			if (value == null || !previous || (best && best.probabilities[s]! >= value)) continue;
			best = c;
		}
		if (!best) return null;
		const factor = round(best.probabilities[s]!) / before(best, s, round)!;
		if (!Number.isFinite(factor)) return null;
		let matches = 0;
		for (const c of trace.candidates) {
			const value = c.probabilities[s];
			const previous = before(c, s, round);
			if (value != null && previous !== null && round(previous * factor) === round(value)) {
				matches++;
			}
		}
		// The factor takes 8 bytes; each match saves 4.
		return matches > 2 ? factor : null;
	});
}

function writeCandidate(
	w: Writer,
	candidate: CandidateTrace,
	factors: readonly (number | null)[],
	exact: boolean,
	indexOf: (name: string) => number
): void {
	const round: Round = exact ? same : asF32;
	w.varint(candidate.id, 'a candidate id');
	const exactF32 = Object.is(Math.fround(candidate.logit), candidate.logit);
	const removedBy = candidate.removedBy === null ? 0 : indexOf(candidate.removedBy) + 1;
	w.varint(removedBy * 2 + (exactF32 ? 0 : 1), 'candidate flags');
	if (exactF32) w.f32(candidate.logit);
	else w.f64(candidate.logit);
	w.float(candidate.rawProbability, exact);
	const values = candidate.probabilities;
	w.varint(values.length, 'a probability count');
	const codes: number[] = [];
	const stored: number[] = [];
	let previous: number | null = round(candidate.rawProbability);
	for (const [i, value] of values.entries()) {
		const factor = factors[i] ?? null;
		if (value === null) {
			codes.push(PROBABILITY_NULL);
			previous = null;
		} else if (previous !== null && round(value) === previous) {
			codes.push(PROBABILITY_SAME);
		} else if (previous !== null && factor !== null && round(previous * factor) === round(value)) {
			codes.push(PROBABILITY_SCALED);
			previous = round(value);
		} else {
			codes.push(PROBABILITY_VALUE);
			stored.push(value);
			previous = round(value);
		}
	}
	for (let i = 0; i < codes.length; i += 4) {
		w.u8(
			codes[i] |
				((codes[i + 1] ?? 0) << 2) |
				((codes[i + 2] ?? 0) << 4) |
				((codes[i + 3] ?? 0) << 6)
		);
	}
	for (const value of stored) w.float(value, exact);
}

/** A chunk that cannot be read, with what is wrong and where. */
class CorruptChunk extends Error {}

class Reader {
	private readonly view: DataView;
	at = 0;

	constructor(private readonly bytes: Uint8Array) {
		this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	}

	get left(): number {
		return this.bytes.length - this.at;
	}

	private need(n: number, what: string): void {
		if (this.at + n > this.bytes.length) {
			throw new CorruptChunk(
				`truncated: ${what} needs bytes ${this.at}–${this.at + n - 1}, the chunk has ${this.bytes.length} bytes`
			);
		}
	}

	u8(what: string): number {
		this.need(1, what);
		return this.bytes[this.at++];
	}

	varint(what: string): number {
		const start = this.at;
		let value = 0;
		let scale = 1;
		for (let i = 0; ; i++) {
			const byte = this.u8(what);
			value += (byte & 0x7f) * scale;
			if ((byte & 0x80) === 0) break;
			scale *= 0x80;
			if (i === 7) throw new CorruptChunk(`byte ${start}: ${what} is longer than 8 bytes`);
		}
		if (!Number.isSafeInteger(value)) {
			throw new CorruptChunk(`byte ${start}: ${what} ${value} is beyond the safe integers`);
		}
		return value;
	}

	/** A count of items that each take at least `minBytes`: more than the bytes left is corrupt. */
	count(what: string, minBytes: number): number {
		const start = this.at;
		const n = this.varint(what);
		if (n * minBytes > this.left) {
			throw new CorruptChunk(
				`byte ${start}: ${what} ${n} needs at least ${n * minBytes} more bytes, the chunk has ${this.left} left`
			);
		}
		return n;
	}

	f32(what: string): number {
		this.need(4, what);
		const value = this.view.getFloat32(this.at, true);
		this.at += 4;
		return value;
	}

	float(what: string, exact: boolean): number {
		return exact ? this.f64(what) : this.f32(what);
	}

	f64(what: string): number {
		this.need(8, what);
		const value = this.view.getFloat64(this.at, true);
		this.at += 8;
		return value;
	}

	text(what: string): string {
		const length = this.count(`${what}'s length`, 1);
		const start = this.at;
		this.at += length;
		try {
			return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(start, this.at));
		} catch {
			throw new CorruptChunk(`byte ${start}: ${what} is not valid UTF-8`);
		}
	}

	flags(what: string, allowed: number): number {
		const start = this.at;
		const flags = this.u8(what);
		if (flags & ~allowed) {
			throw new CorruptChunk(`byte ${start}: ${what} has unknown bits (${flags.toString(2)})`);
		}
		return flags;
	}
}

export type DecodedTokens = { ok: true; tokens: TokenRecord[] } | { ok: false; problem: string };

/**
 * Reads a chunk written by {@link encodeTokens}. Checks its structure (version, lengths, counts,
 * name indexes, trailing bytes) and never throws: a bad chunk gives one problem naming what is
 * wrong and at which byte. The values' ranges are checked by the session reader, as for JSON.
 */
export function decodeTokens(bytes: Uint8Array): DecodedTokens {
	const r = new Reader(bytes);
	try {
		const version = r.u8('the codec version');
		const stageFlags = STAGE_FLAGS_OF_VERSION[version];
		if (stageFlags === undefined) {
			throw new CorruptChunk(
				`token data version ${version} is not one this app reads (${TOKEN_CODEC_VERSION})`
			);
		}
		const names: string[] = [];
		const nameCount = r.count('the name count', 1);
		for (let i = 0; i < nameCount; i++) names.push(r.text(`name ${i}`));
		const name = (index: number, start: number): StageName => {
			if (index >= names.length) {
				throw new CorruptChunk(
					`byte ${start}: name index ${index} is beyond the chunk's ${names.length} names`
				);
			}
			return names[index] as StageName;
		};
		// A token takes at least 3 bytes: id, piece length, flags.
		const count = r.count('the token count', 3);
		const tokens: TokenRecord[] = [];
		for (let i = 0; i < count; i++) tokens.push(readToken(r, `token ${i}`, name, stageFlags));
		if (r.left > 0) {
			throw new CorruptChunk(
				`${r.left} bytes left over after the ${count} tokens (the chunk has ${bytes.length} bytes)`
			);
		}
		return { ok: true, tokens };
	} catch (error) {
		if (error instanceof CorruptChunk) return { ok: false, problem: error.message };
		const reason = error instanceof Error ? error.message : String(error);
		return { ok: false, problem: `unreadable at byte ${r.at}: ${reason}` };
	}
}

function readToken(
	r: Reader,
	what: string,
	name: (index: number, start: number) => StageName,
	allowedStageFlags: number
): TokenRecord {
	const id = r.varint(`${what}'s id`);
	const piece = r.text(`${what}'s piece`);
	const flags = r.flags(`${what}'s flags`, TOKEN_FLAGS);
	if (!(flags & TOKEN_TRACED)) {
		if (flags !== 0) throw new CorruptChunk(`${what}: trace flags set on a token without a trace`);
		return { id, piece };
	}
	const step = r.varint(`${what}'s step`);
	const chosenId = flags & TOKEN_OTHER_CHOSEN ? r.varint(`${what}'s chosen id`) : id;
	const u = flags & TOKEN_HAS_U ? r.f64(`${what}'s u`) : null;
	const exact = (flags & TOKEN_FLOAT64) !== 0;
	const chosenProbability = r.float(`${what}'s chosen probability`, exact);
	const entropyBefore = r.float(`${what}'s entropy before`, exact);
	const entropyAfter = r.float(`${what}'s entropy after`, exact);
	// A stage takes at least 7 bytes: name, flags, survivors, entropy.
	const stageCount = r.count(`${what}'s stage count`, 7);
	const stages: StageTrace[] = [];
	const factors: (number | null)[] = [];
	for (let s = 0; s < stageCount; s++) {
		const stageWhat = `${what}'s stage ${s}`;
		const start = r.at;
		const stageName = name(r.varint(`${stageWhat}'s name`), start);
		const stageFlags = r.flags(`${stageWhat}'s flags`, allowedStageFlags);
		const survivors = r.varint(`${stageWhat}'s survivors`);
		const massRemoved =
			stageFlags & STAGE_REMOVED_MASS ? r.float(`${stageWhat}'s removed mass`, exact) : 0;
		stages.push({
			name: stageName,
			skipped: (stageFlags & STAGE_SKIPPED) !== 0,
			survivors,
			massRemoved,
			entropy: r.float(`${stageWhat}'s entropy`, exact),
			keptBestOnly: (stageFlags & STAGE_KEPT_BEST) !== 0
		});
		factors.push(stageFlags & STAGE_FACTOR ? r.f64(`${stageWhat}'s factor`) : null);
		if (stageFlags & STAGE_DETAIL) stages[s].detail = readDetail(r, `${stageWhat}'s detail`);
	}
	// A candidate takes at least 11 bytes: id, flags, logit, raw probability, count.
	const candidateCount = r.count(`${what}'s candidate count`, 11);
	const candidates: CandidateTrace[] = [];
	for (let c = 0; c < candidateCount; c++) {
		candidates.push(readCandidate(r, `${what}'s candidate ${c}`, factors, exact, name));
	}
	return {
		id,
		piece,
		trace: {
			step,
			distribution: flags & TOKEN_LOGPROBS ? 'logprobs' : 'logits',
			candidates,
			stages,
			u,
			chosenId,
			chosenProbability,
			entropyBefore,
			entropyAfter
		} satisfies StepTrace
	};
}

/** A stage's detail: JSON text, checked like a field of a sessions file. */
function readDetail(r: Reader, what: string): StageDetail {
	const start = r.at;
	const text = r.text(what);
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new CorruptChunk(`byte ${start}: ${what} is not JSON`);
	}
	const problems: string[] = [];
	const detail = stageDetail(value, what, problems);
	if (problems.length > 0) throw new CorruptChunk(`byte ${start}: ${problems[0]}`);
	return detail;
}

function readCandidate(
	r: Reader,
	what: string,
	factors: readonly (number | null)[],
	exact: boolean,
	name: (index: number, start: number) => StageName
): CandidateTrace {
	const id = r.varint(`${what}'s id`);
	const start = r.at;
	const flags = r.varint(`${what}'s flags`);
	const removedIndex = Math.floor(flags / 2);
	const removedBy = removedIndex === 0 ? null : name(removedIndex - 1, start);
	const logit = flags % 2 === 1 ? r.f64(`${what}'s logit`) : r.f32(`${what}'s logit`);
	const rawProbability = r.float(`${what}'s raw probability`, exact);
	// Four codes a byte.
	const n = r.count(`${what}'s probability count`, 0.25);
	const codes: number[] = [];
	for (let i = 0; i < n; i += 4) {
		const byte = r.u8(`${what}'s probability codes`);
		for (let k = 0; k < 4 && i + k < n; k++) codes.push((byte >> (2 * k)) & 3);
	}
	const probabilities: (number | null)[] = [];
	let previous: number | null = rawProbability;
	for (const [i, code] of codes.entries()) {
		const factor = factors[i] ?? null;
		if (code === PROBABILITY_NULL) previous = null;
		else if (code === PROBABILITY_VALUE) previous = r.float(`${what}'s probability ${i}`, exact);
		else if (code === PROBABILITY_SCALED && previous !== null && factor !== null) {
			previous = exact ? previous * factor : asF32(previous * factor);
		} else if (code !== PROBABILITY_SAME || previous === null) {
			throw new CorruptChunk(`${what}'s probability ${i} has an invalid code ${code}`);
		}
		probabilities.push(previous);
	}
	return { id, logit, rawProbability, probabilities, removedBy };
}

/** Tokens exactly as the history stores them: display-only values rounded to float32. */
export function normalizeTokens(tokens: readonly TokenRecord[]): TokenRecord[] {
	const decoded = decodeTokens(encodeTokens(tokens, { precision: 'float32' }));
	if (!decoded.ok) throw new Error(`token codec: ${decoded.problem}`);
	return decoded.tokens;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, as export format 2 writes token data. */
export function toBase64(bytes: Uint8Array): string {
	let binary = '';
	for (let i = 0; i < bytes.length; i += 0x8000) {
		binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	}
	return btoa(binary);
}

export function fromBase64(text: string): Uint8Array | null {
	if (!BASE64.test(text)) return null;
	const binary = atob(text);
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}
