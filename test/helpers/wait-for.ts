/** Poll `check` until it returns a truthy value or the deadline passes. Never a fixed sleep. */
export async function waitFor<T>(check: () => T | Promise<T>, {timeoutMs = 10_000, intervalMs = 10, message = 'condition'} = {}): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		// eslint-disable-next-line no-await-in-loop
		const value = await check();
		if (value) {
			return value as NonNullable<T>;
		}

		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
		}

		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, intervalMs);
		});
	}
}

/** Resolve with the arguments of the next `event` on `emitter`, or reject after a deadline. */
export async function nextEvent<A extends unknown[]>(
	emitter: {once(event: string, listener: (...args: A) => void): unknown; off(event: string, listener: (...args: A) => void): unknown},
	event: string,
	timeoutMs = 10_000,
): Promise<A> {
	return new Promise((resolve, reject) => {
		const listener = (...args: A) => {
			clearTimeout(timer);
			resolve(args);
		};

		const timer = setTimeout(() => {
			emitter.off(event, listener);
			reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
		}, timeoutMs);
		emitter.once(event, listener);
	});
}
