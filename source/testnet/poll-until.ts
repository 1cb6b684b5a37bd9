import {setTimeout} from 'node:timers/promises';

/**
 * Call `attempt` every `intervalMs` until it returns a value (not undefined), then resolve with it.
 * Rejects with `onTimeout()` once `deadline` (a Date.now() value) passes, or with the signal's reason.
 */
export async function pollUntil<T>(
	attempt: () => Promise<T | undefined>,
	options: {deadline: number; intervalMs: number; signal?: AbortSignal | undefined; onTimeout: () => Error},
): Promise<T> {
	for (;;) {
		options.signal?.throwIfAborted();
		// eslint-disable-next-line no-await-in-loop
		const result = await attempt();
		if (result !== undefined) {
			return result;
		}

		const remaining = options.deadline - Date.now();
		if (remaining <= 0) {
			throw options.onTimeout();
		}

		// eslint-disable-next-line no-await-in-loop
		await setTimeout(Math.min(options.intervalMs, remaining), undefined, {signal: options.signal});
	}
}
