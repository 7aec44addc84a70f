import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '#lib/core/session';
import type { StageDetail } from '#lib/sampling';
import { tracedTokens } from './testing/traced-tokens';
import {
	TOKEN_CODEC_VERSION,
	decodeTokens,
	encodeTokens,
	fromBase64,
	normalizeTokens,
	toBase64
} from './token-codec';

const f32 = (x: number | null) => (x === null ? null : Math.fround(x));

describe('token codec', () => {
	const tokens = tracedTokens(60);

	it('keeps ids, pieces, names, u and logits exactly, and the rest as float32 when asked', () => {
		const decoded = decodeTokens(encodeTokens(tokens, { precision: 'float32' }));
		expect(decoded.ok).toBe(true);
		if (!decoded.ok) return;
		expect(decoded.tokens).toHaveLength(tokens.length);
		decoded.tokens.forEach((token, i) => {
			const trace = tokens[i].trace!;
			const got = token.trace!;
			expect(token.id).toBe(tokens[i].id);
			expect(token.piece).toBe(tokens[i].piece);
			expect(got.u).toBe(trace.u);
			expect(got.step).toBe(trace.step);
			expect(got.chosenId).toBe(trace.chosenId);
			expect(got.distribution).toBe(trace.distribution);
			expect(got.chosenProbability).toBe(f32(trace.chosenProbability));
			expect(got.entropyBefore).toBe(f32(trace.entropyBefore));
			expect(got.stages).toEqual(
				trace.stages.map((s) => ({
					...s,
					massRemoved: f32(s.massRemoved),
					entropy: f32(s.entropy)
				}))
			);
			expect(got.candidates).toEqual(
				trace.candidates.map((c) => ({
					...c,
					rawProbability: f32(c.rawProbability),
					probabilities: c.probabilities.map(f32)
				}))
			);
		});
		// Normalized tokens encode to themselves, exactly, in as many bytes.
		expect(normalizeTokens(decoded.tokens)).toEqual(decoded.tokens);
		expect(decodeTokens(encodeTokens(decoded.tokens))).toEqual(decoded);
		expect(encodeTokens(decoded.tokens).length).toBe(
			encodeTokens(tokens, { precision: 'float32' }).length
		);
	});

	it('gives back exactly what it was given by default (float64 where float32 is not exact)', () => {
		expect(decodeTokens(encodeTokens(tokens))).toEqual({ ok: true, tokens });
	});

	it('stores a real traced token in well under 1 KB, base64 included', () => {
		const bytes = encodeTokens(tokens, { precision: 'float32' });
		const perToken = bytes.length / tokens.length;
		const perTokenBase64 = toBase64(bytes).length / tokens.length;
		expect(tokens[0].trace!.candidates.length).toBeGreaterThanOrEqual(20);
		expect(tokens[0].trace!.stages).toHaveLength(7);
		console.info(
			`token codec: ${perToken.toFixed(0)} B a traced token, ${perTokenBase64.toFixed(0)} in base64`
		);
		expect(perToken).toBeLessThan(640);
		expect(perTokenBase64).toBeLessThanOrEqual(1024);
		// For the record: the JSON of version 1 was about 3 kB a token.
		expect(JSON.stringify(tokens).length / tokens.length).toBeGreaterThan(2 * perTokenBase64);
	});

	it('keeps logits that are not float32 as float64, and untraced tokens and odd traces', () => {
		const trace = normalizeTokens(tokens.slice(0, 1))[0].trace!;
		const odd: TokenRecord[] = [
			{ id: 0, piece: '' },
			{ id: 2 ** 31 - 1, piece: 'é 🙂' },
			{
				id: 5,
				piece: 'x',
				trace: {
					...trace,
					u: null,
					chosenId: 9,
					distribution: 'logprobs',
					candidates: [
						{
							id: 9,
							logit: 0.1,
							rawProbability: 0.5,
							probabilities: [null, 0.25, 0.25, null],
							removedBy: 'top-p'
						},
						{ id: 3, logit: -Infinity, rawProbability: 0, probabilities: [], removedBy: null }
					]
				}
			}
		];
		const decoded = decodeTokens(encodeTokens(odd));
		expect(decoded).toEqual({ ok: true, tokens: odd });
		expect(decodeTokens(encodeTokens([]))).toEqual({ ok: true, tokens: [] });
	});

	it("keeps a stage's own detail exactly, infinities included, and checks its shape", () => {
		const [first, second] = tracedTokens(2);
		const detail: StageDetail = {
			facts: [
				{ key: 'sigma', label: 'σ', value: 1.2345678901234567, unit: 'logits' },
				{ key: 'floor', label: 'Floor', value: -Infinity }
			],
			measure: {
				label: 'Logit',
				values: first.trace!.candidates.map((c, i) => (i === 3 ? null : c.logit)),
				lines: [{ label: 'Cut', value: Infinity }],
				kept: 'above'
			},
			sequences: [{ label: 'Matched', ids: [5, 9, 5] }],
			note: 'It fired.'
		};
		const withDetail: TokenRecord = {
			...first,
			trace: {
				...first.trace!,
				stages: first.trace!.stages.map((s, i) => (i === 4 ? { ...s, detail } : s))
			}
		};
		const decoded = decodeTokens(encodeTokens([withDetail, second]));
		expect(decoded).toEqual({ ok: true, tokens: [withDetail, second] });

		const badDetail = { ...detail, facts: [{ key: 'x', label: 'X', value: 'big' }] };
		const bad: TokenRecord = {
			...first,
			trace: {
				...first.trace!,
				stages: first.trace!.stages.map((s, i) =>
					i === 4 ? { ...s, detail: badDetail as unknown as StageDetail } : s
				)
			}
		};
		expect(decodeTokens(encodeTokens([bad]))).toEqual({
			ok: false,
			problem: expect.stringMatching(
				/^byte \d+: token 0's stage 4's detail\.facts\[0\]\.value: must be a number/
			)
		});
	});

	it('reads version 1 chunks, which had no stage details', () => {
		const bytes = encodeTokens(tokens.slice(0, 3));
		const version1 = bytes.slice();
		version1[0] = 1;
		expect(decodeTokens(version1)).toEqual(decodeTokens(bytes));
		const [first] = tokens;
		const detail: StageDetail = { facts: [{ key: 'k', label: 'K', value: 1 }] };
		const withDetail = encodeTokens([
			{
				...first,
				trace: { ...first.trace!, stages: first.trace!.stages.map((s) => ({ ...s, detail })) }
			}
		]);
		withDetail[0] = 1;
		expect(decodeTokens(withDetail)).toEqual({
			ok: false,
			problem: expect.stringMatching(/token 0's stage 0's flags has unknown bits/)
		});
	});

	it('reports a truncated, extended or corrupt chunk with what is wrong, never throwing', () => {
		const bytes = encodeTokens(tokens.slice(0, 3));
		for (let cut = 0; cut < bytes.length; cut++) {
			const result = decodeTokens(bytes.subarray(0, cut));
			expect(result.ok, `cut at ${cut}`).toBe(false);
		}
		const cut = decodeTokens(bytes.subarray(0, bytes.length - 5));
		expect(cut).toEqual({ ok: false, problem: expect.stringMatching(/^truncated: token 2's/) });
		const longer = new Uint8Array(bytes.length + 2);
		longer.set(bytes);
		expect(decodeTokens(longer)).toEqual({
			ok: false,
			problem: expect.stringContaining('2 bytes left over after the 3 tokens')
		});
		const version = bytes.slice();
		version[0] = 9;
		expect(decodeTokens(version)).toEqual({
			ok: false,
			problem: `token data version 9 is not one this app reads (${TOKEN_CODEC_VERSION})`
		});
		const huge = Uint8Array.from([1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
		expect(decodeTokens(huge)).toEqual({
			ok: false,
			problem: expect.stringMatching(/^byte 2: the token count 4294967295 needs at least/)
		});
		// Every single-byte corruption either reads or is reported; none throws or hangs.
		let reported = 0;
		for (let i = 0; i < bytes.length; i += 7) {
			for (const value of [0, 0x7f, 0xff]) {
				const bad = bytes.slice();
				bad[i] = value;
				const result = decodeTokens(bad);
				if (!result.ok) {
					reported++;
					expect(result.problem.length).toBeGreaterThan(10);
				}
			}
		}
		expect(reported).toBeGreaterThan(0);
	});

	it('base64 round trip, and refuses text that is not base64', () => {
		const bytes = encodeTokens(tokens.slice(0, 2));
		expect(fromBase64(toBase64(bytes))).toEqual(bytes);
		expect(fromBase64('abc')).toBeNull();
		expect(fromBase64('ab$=')).toBeNull();
		expect(fromBase64('')).toEqual(new Uint8Array(0));
	});
});
