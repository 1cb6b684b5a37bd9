/**
 * The clients that have claimed an offer from this provider lately: a bounded set, most recent last.
 * Requests are keyed by UUIDs the senders pick, so a request proves nothing; a claim does (it links a
 * lease that the client must then hold). The offer desk serves proven clients first.
 */
export class Claimants {
	private readonly lastClaim = new Map<string, number>();

	constructor(private readonly limit = 10_000) {}

	claimed(clientId: string, now: number): void {
		this.lastClaim.delete(clientId);
		this.lastClaim.set(clientId, now);
		if (this.lastClaim.size > this.limit) {
			const oldest = this.lastClaim.keys().next();
			if (!oldest.done) {
				this.lastClaim.delete(oldest.value);
			}
		}
	}

	has(clientId: string): boolean {
		return this.lastClaim.has(clientId);
	}
}
