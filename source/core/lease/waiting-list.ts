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

	constructor(private readonly ttlMs: number) {}

	get size(): number {
		return this.entries.size;
	}

	/** Add a request, or refresh it (keeping its place in the queue). */
	add(clientId: string, requestId: string, now: number): void {
		const key = `${clientId}/${requestId}`;
		const entry = this.entries.get(key);
		if (entry) {
			entry.until = now + this.ttlMs;
			return;
		}

		this.entries.set(key, {clientId, requestId, since: now, until: now + this.ttlMs});
	}

	remove(clientId: string, requestId: string): void {
		this.entries.delete(`${clientId}/${requestId}`);
	}

	/** Take the oldest request that is still live; drops expired ones on the way. */
	shift(now: number): WaitingRequest | undefined {
		for (const [key, entry] of this.entries) {
			this.entries.delete(key);
			if (entry.until >= now) {
				return entry;
			}
		}

		return undefined;
	}

	prune(now: number): void {
		for (const [key, entry] of this.entries) {
			if (entry.until < now) {
				this.entries.delete(key);
			}
		}
	}
}
