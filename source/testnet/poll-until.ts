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
		await delay(Math.min(options.intervalMs, remaining), options.signal);
	}
}

async function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve, reject) => {
		const onAbort = (): void => {
			clearTimeout(timer);
			reject(signal?.reason);
		};

		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, {once: true});
	});
}
