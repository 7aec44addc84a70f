import { describe, expect, it } from 'vitest';
import { broadcastSessionChannel, readSessionChange, type SessionChange } from './session-changes';

describe('session changes between tabs', () => {
	it('reaches the other tabs, not the sender', async () => {
		const name = `session-changes-test-${Math.random()}`;
		const sender = broadcastSessionChannel(name)!;
		const receiver = broadcastSessionChannel(name)!;
		const sent: SessionChange[] = [];
		const heard: SessionChange[] = [];
		sender.listen((change) => sent.push(change));
		const received = new Promise<void>((resolve) =>
			receiver.listen((change) => {
				heard.push(change);
				resolve();
			})
		);
		sender.post({ ids: ['a', 'b'], recording: ['b'] });
		await received;
		expect(heard).toEqual([{ ids: ['a', 'b'], recording: ['b'] }]);
		expect(sent).toEqual([]);
		sender.close();
		receiver.close();
	});

	it('ignores messages that are not a change', () => {
		expect(readSessionChange({ ids: ['a'], recording: [] })).toEqual({
			ids: ['a'],
			recording: []
		});
		expect(readSessionChange(null)).toBeNull();
		expect(readSessionChange({ ids: 'a', recording: [] })).toBeNull();
		expect(readSessionChange({ ids: [1], recording: [] })).toBeNull();
		expect(readSessionChange({ ids: ['a'] })).toBeNull();
	});
});
