export type RestartBackoffOptions = {
	/** The first delay, and the delay again after a Tor that served long enough; default 500 ms. */
	initialMs?: number;
	/** The longest delay; default 30 s. */
	maxMs?: number;
	/** A Tor that was ready for longer than this before it died restarts after the first delay again; default 60 s. */
	resetAfterMs?: number;
};

/** How long a dead Tor waits before its next restart: doubling on every failure, up to a ceiling. */
export class RestartBackoff {
	readonly #initialMs: number;
	readonly #maxMs: number;
	readonly #resetAfterMs: number;
	#nextMs: number;

	constructor({initialMs = 500, maxMs = 30_000, resetAfterMs = 60_000}: RestartBackoffOptions = {}) {
		this.#initialMs = initialMs;
		this.#maxMs = maxMs;
		this.#resetAfterMs = resetAfterMs;
		this.#nextMs = initialMs;
	}

	/**
	 * The delay before the next restart. `servedMs`: how long the Tor that died had been up, when it
	 * was serving (ready) at the time; undefined when it died while starting or restarting.
	 */
	next(servedMs: number | undefined): number {
		if (servedMs !== undefined && servedMs > this.#resetAfterMs) {
			this.#nextMs = this.#initialMs;
		}

		const delayMs = this.#nextMs;
		this.#nextMs = Math.min(this.#nextMs * 2, this.#maxMs);
		return delayMs;
	}
}
