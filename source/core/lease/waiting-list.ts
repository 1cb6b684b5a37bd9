export type WaitingRequest = {
	readonly clientId: string;
	readonly requestId: string;
	/** When the request was first seen: the list is served oldest first. */
	readonly since: number;
	until: number;
};

/**
 * Clients that asked for a proxy when none was free, oldest first. An entry lives as long as its
 * client keeps asking; when a proxy frees up it goes to the oldest live entry at once, instead of
 * waiting for that client's next request.
 */
export class WaitingList {
	private readonly entries = new Map<string, WaitingRequest>();
	private readonly perClient = new Map<string, number>();

	/**
	 * Requests come from the bus, keyed by ids the sender picks: the list is bounded, in all and per
	 * client, so a flood cannot grow it without end or push real clients out of the queue for long.
	 */
	constructor(
		private readonly ttlMs: number,
		private readonly limits: {total: number; perClient: number} = {total: 4096, perClient: 256},
	) {}

	get size(): number {
		return this.entries.size;
	}

	/** Add a request, or refresh it (keeping its place in the queue). False when the list is full for it. */
	add(clientId: string, requestId: string, now: number): boolean {
		const key = `${clientId}/${requestId}`;
		const entry = this.entries.get(key);
		if (entry) {
			entry.until = now + this.ttlMs;
			return true;
		}

		if (this.entries.size >= this.limits.total || (this.perClient.get(clientId) ?? 0) >= this.limits.perClient) {
			this.prune(now);
			if (this.entries.size >= this.limits.total || (this.perClient.get(clientId) ?? 0) >= this.limits.perClient) {
				return false;
			}
		}

		this.entries.set(key, {clientId, requestId, since: now, until: now + this.ttlMs});
		this.perClient.set(clientId, (this.perClient.get(clientId) ?? 0) + 1);
		return true;
	}

	has(clientId: string, requestId: string): boolean {
		return this.entries.has(`${clientId}/${requestId}`);
	}

	remove(clientId: string, requestId: string): void {
		const key = `${clientId}/${requestId}`;
		if (this.entries.delete(key)) {
			this.forget(clientId);
		}
	}

	clear(): void {
		this.entries.clear();
		this.perClient.clear();
	}

	/**
	 * Take the oldest live request of the best rank (lowest number; `rank` undefined: not to be served
	 * now, it stays). Without `rank`, the oldest live request. Drops expired ones on the way.
	 */
	shift(now: number, rank: (entry: WaitingRequest) => number | undefined = () => 0): WaitingRequest | undefined {
		let best: {key: string; entry: WaitingRequest; rank: number} | undefined;
		for (const [key, entry] of this.entries) {
			if (entry.until < now) {
				this.entries.delete(key);
				this.forget(entry.clientId);
				continue;
			}

			const entryRank = rank(entry);
			if (entryRank !== undefined && (best === undefined || entryRank < best.rank)) {
				best = {key, entry, rank: entryRank};
				if (entryRank <= 0) {
					break;
				}
			}
		}

		if (best) {
			this.entries.delete(best.key);
			this.forget(best.entry.clientId);
		}

		return best?.entry;
	}

	/** Whether a live request matches `test`. */
	some(now: number, test: (entry: WaitingRequest) => boolean): boolean {
		for (const entry of this.entries.values()) {
			if (entry.until >= now && test(entry)) {
				return true;
			}
		}

		return false;
	}

	prune(now: number): void {
		for (const [key, entry] of this.entries) {
			if (entry.until < now) {
				this.entries.delete(key);
				this.forget(entry.clientId);
			}
		}
	}

	private forget(clientId: string): void {
		const count = (this.perClient.get(clientId) ?? 1) - 1;
		if (count > 0) {
			this.perClient.set(clientId, count);
		} else {
			this.perClient.delete(clientId);
		}
	}
}
