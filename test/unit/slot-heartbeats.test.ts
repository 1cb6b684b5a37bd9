import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {clientSilenceLimitMs, probeIntervalMs, SlotHeartbeats, type SlotHeartbeatsOptions} from '../../source/core/lease/slot-heartbeats.js';

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

function heartbeats(overrides: Partial<SlotHeartbeatsOptions> = {}) {
	const sent: number[] = [];
	const verdicts: string[] = [];
	const beats = new SlotHeartbeats({
		lease: {heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000},
		send(seq) {
			sent.push(Date.now());
			expect(seq).toBe(sent.length - 1);
		},
		expiresAt: () => Date.now() + 60_000,
		onSilent() {
			verdicts.push('silent');
		},
		onExpired() {
			verdicts.push('expired');
		},
		offline: false,
		...overrides,
	});
	return {beats, sent, verdicts};
}

describe('SlotHeartbeats', () => {
	it('beats once an interval while answered', () => {
		const {beats, sent} = heartbeats();
		for (let index = 0; index < 5; index++) {
			vi.advanceTimersByTime(1000);
			beats.heard();
		}

		expect(sent).toHaveLength(5);
		beats.stop();
	});

	it('probes four times as often once an answer is missing, and calms down when one comes', () => {
		const {beats, sent} = heartbeats();
		vi.advanceTimersByTime(1000);
		expect(sent).toHaveLength(1);
		vi.advanceTimersByTime(1000 + probeIntervalMs(1000) * 3);
		expect(sent).toHaveLength(5);
		beats.heard();
		vi.advanceTimersByTime(probeIntervalMs(1000));
		expect(sent).toHaveLength(6);
		beats.heard();
		vi.advanceTimersByTime(999);
		expect(sent).toHaveLength(6);
		beats.stop();
	});

	it('reports silence only past the provider timeout plus one interval', () => {
		const {verdicts} = heartbeats();
		expect(clientSilenceLimitMs(1000, 5000)).toBe(6000);
		vi.advanceTimersByTime(5999);
		expect(verdicts).toEqual([]);
		vi.advanceTimersByTime(500);
		expect(verdicts).toEqual(['silent']);
		vi.advanceTimersByTime(10_000);
		expect(verdicts).toEqual(['silent']);
	});

	it('does not count time offline, and beats at once when back online', () => {
		const {beats, sent, verdicts} = heartbeats();
		vi.advanceTimersByTime(900);
		beats.offline();
		vi.advanceTimersByTime(20_000);
		expect(verdicts).toEqual([]);
		const before = sent.length;
		beats.online();
		expect(sent).toHaveLength(before + 1);
		vi.advanceTimersByTime(5900);
		expect(verdicts).toEqual([]);
		vi.advanceTimersByTime(500);
		expect(verdicts).toEqual(['silent']);
	});

	it('ends the lease itself when it is past its expiry by the timeout (a lost lease-end)', () => {
		const expiresAt = Date.now() + 1500;
		const {beats, verdicts} = heartbeats({expiresAt: () => expiresAt});
		for (let index = 0; index < 7; index++) {
			vi.advanceTimersByTime(1000);
			beats.heard();
		}

		expect(verdicts).toEqual(['expired']);
	});
});
