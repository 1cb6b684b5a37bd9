import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {RetriedRequest} from '../../source/core/lease/retried-request.js';

class TestTimeout extends Error {
	override readonly name = 'TestTimeout';
}

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe('RetriedRequest', () => {
	it('sends at once, repeats every retryMs, and stops when answered', async () => {
		const send = vi.fn();
		const request = new RetriedRequest<string>({send, retryMs: 100, timeoutMs: 1000, timeoutError: () => new TestTimeout('late')});
		expect(send).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(250);
		expect(send).toHaveBeenCalledTimes(3);
		expect(request.resolve('answer')).toBe(true);
		await expect(request.done).resolves.toBe('answer');
		vi.advanceTimersByTime(2000);
		expect(send).toHaveBeenCalledTimes(3);
		expect(request.pending).toBe(false);
		expect(vi.getTimerCount()).toBe(0);
	});

	it('fails with its named error when the deadline passes, and settles once', async () => {
		const onSettled = vi.fn();
		const request = new RetriedRequest({send() {}, retryMs: 100, timeoutMs: 300, timeoutError: () => new TestTimeout('late'), onSettled});
		const done = request.done.catch((error: unknown) => error);
		vi.advanceTimersByTime(301);
		expect(await done).toBeInstanceOf(TestTimeout);
		expect(request.resolve()).toBe(false);
		expect(request.reject(new Error('again'))).toBe(false);
		expect(onSettled).toHaveBeenCalledTimes(1);
		expect(vi.getTimerCount()).toBe(0);
	});

	it('a reject (on close) wins over a later answer and clears the timers', async () => {
		const send = vi.fn();
		const request = new RetriedRequest({send, retryMs: 50});
		const closed = new Error('closed');
		expect(request.reject(closed)).toBe(true);
		expect(request.resolve()).toBe(false);
		await expect(request.done).rejects.toBe(closed);
		vi.advanceTimersByTime(1000);
		expect(send).toHaveBeenCalledTimes(1);
		expect(vi.getTimerCount()).toBe(0);
	});

	it('without send it is a plain wait with a deadline', async () => {
		const request = new RetriedRequest<number>({timeoutMs: 100, timeoutError: () => new TestTimeout('nobody')});
		const done = request.done.catch((error: unknown) => error);
		vi.advanceTimersByTime(99);
		expect(request.pending).toBe(true);
		vi.advanceTimersByTime(2);
		expect(await done).toMatchObject({name: 'TestTimeout', message: 'nobody'});
	});

	it('runs onTimeout once, only when the deadline passed, with one timer at a time', async () => {
		const onTimeout = vi.fn();
		const send = vi.fn();
		const answered = new RetriedRequest({send, retryMs: 100, timeoutMs: 250, onTimeout});
		const late = new RetriedRequest({send, retryMs: 100, timeoutMs: 250, timeoutError: () => new TestTimeout('late'), onTimeout});
		expect(vi.getTimerCount()).toBe(2);
		answered.resolve();
		vi.advanceTimersByTime(249);
		expect(send).toHaveBeenCalledTimes(4);
		expect(onTimeout).not.toHaveBeenCalled();
		vi.advanceTimersByTime(2);
		expect(onTimeout).toHaveBeenCalledTimes(1);
		expect(late.pending).toBe(false);
		expect(vi.getTimerCount()).toBe(0);
		// `done` asked for only after settling still tells the outcome.
		await expect(late.done).rejects.toBeInstanceOf(TestTimeout);
		await expect(answered.done).resolves.toBeUndefined();
	});
});
