export type Cleanup = () => unknown;

/**
 * What a test has to undo (stop a redis-server, a Tor, a client; remove a directory). `run()` runs
 * every cleanup even when some fail, then throws one AggregateError naming the failures, so a
 * failing cleanup never leaves the ones after it undone.
 */
export class Cleanups {
	private readonly pending: Cleanup[] = [];

	add(cleanup: Cleanup): void {
		this.pending.push(cleanup);
	}

	/**
	 * Run and forget every cleanup added so far: newest first (the reverse of setting up), or
	 * `oldest-first`; each once the one before has settled, or all at once with `concurrent`.
	 */
	async run({order = 'newest-first', concurrent = false}: {order?: 'newest-first' | 'oldest-first'; concurrent?: boolean} = {}): Promise<void> {
		const cleanups = this.pending.splice(0);
		if (order === 'newest-first') {
			cleanups.reverse();
		}

		const failures: unknown[] = [];
		if (concurrent) {
			const results = await Promise.allSettled(cleanups.map(async cleanup => cleanup()));
			for (const result of results) {
				if (result.status === 'rejected') {
					failures.push(result.reason);
				}
			}
		} else {
			for (const cleanup of cleanups) {
				try {
					// eslint-disable-next-line no-await-in-loop
					await cleanup();
				} catch (error) {
					failures.push(error);
				}
			}
		}

		if (failures.length > 0) {
			const reasons = failures.map(failure => (failure instanceof Error ? failure.message : String(failure)));
			throw new AggregateError(failures, `${failures.length} of ${cleanups.length} cleanups failed: ${reasons.join('; ')}`);
		}
	}
}
