export type RetriedRequestOptions = {
	/** Sends the request: called at once, then every `retryMs` until settled. Omit for a plain wait. */
	readonly send?: () => void;
	readonly retryMs?: number;
	/** Fail with `timeoutError()` when unanswered this long; omit to wait until settled. */
	readonly timeoutMs?: number;
	readonly timeoutError?: () => Error;
	/** Runs once, synchronously, when the request settles (reply, timeout or close), so its owner can forget it. */
	readonly onSettled?: () => void;
	/** Runs once, synchronously, after the request failed because `timeoutMs` passed unanswered. */
	readonly onTimeout?: () => void;
};

type Outcome<T> = {readonly ok: true; readonly value: T} | {readonly ok: false; readonly error: Error};

/**
 * A request that waits for an answer over pub/sub. It is sent at once and repeated every `retryMs`
 * (a lost request or answer only delays it) until it is answered, fails, or `timeoutMs` runs out.
 * It settles exactly once; settling clears its one timer; later answers are ignored. `done` is
 * made only when someone asks for it (most requests are settled by their owner and never awaited),
 * so a request nobody awaits costs no promise.
 */
export class RetriedRequest<T = void> {
	/** Undefined while pending. */
	private outcome: Outcome<T> | undefined;
	private waiting: Promise<T> | undefined;
	private settle: {resolve: (value: T) => void; reject: (error: Error) => void} | undefined;
	/** The one timer: the next repeat, or the deadline once it comes before the next repeat. */
	private timer: NodeJS.Timeout | undefined;
	/** When it times out (epoch ms; undefined: never). Absolute, so timer lag across repeats does not push it back. */
	private readonly deadline: number | undefined;

	constructor(private readonly options: RetriedRequestOptions) {
		this.deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
		this.arm();
		options.send?.();
	}

	/** Settles once: with the answer, or the error of a timeout or a close. */
	get done(): Promise<T> {
		this.waiting ??= this.promise();
		return this.waiting;
	}

	/** Not settled yet. */
	get pending(): boolean {
		return this.outcome === undefined;
	}

	/** Settle with an answer; false when it was already settled. */
	resolve(value: T): boolean {
		return this.finish({ok: true, value});
	}

	/**
	 * Settle with an error; false when it was already settled. Given a function, the error is built
	 * only if the request is still pending (an Error's stack trace is not free).
	 */
	reject(error: Error | (() => Error)): boolean {
		return this.outcome === undefined && this.finish({ok: false, error: typeof error === 'function' ? error() : error});
	}

	private promise(): Promise<T> {
		const {outcome} = this;
		if (outcome) {
			return outcome.ok ? Promise.resolve(outcome.value) : Promise.reject(outcome.error);
		}

		return new Promise<T>((resolve, reject) => {
			this.settle = {resolve, reject};
		});
	}

	/** Start the timer for whatever comes first: the next repeat or the deadline. */
	private arm(): void {
		const {send, retryMs} = this.options;
		const every = send && retryMs !== undefined ? Math.max(1, retryMs) : undefined;
		const left = this.left();
		if (every !== undefined && (left === undefined || left > every)) {
			this.timer = setTimeout(() => {
				this.repeat(every);
			}, every);
		} else if (left !== undefined) {
			this.timer = setTimeout(() => {
				this.timeOut();
			}, Math.max(0, left));
		}
	}

	/** Milliseconds to the deadline (undefined: no deadline). */
	private left(): number | undefined {
		return this.deadline === undefined ? undefined : this.deadline - Date.now();
	}

	private repeat(every: number): void {
		this.options.send?.();
		if (this.outcome !== undefined) {
			return;
		}

		const left = this.left();
		if (left === undefined || left > every) {
			// Same delay again: the timer is reused.
			this.timer?.refresh();
		} else {
			this.arm();
		}
	}

	private timeOut(): void {
		const {timeoutMs, timeoutError, onTimeout} = this.options;
		if (this.reject(timeoutError ?? (() => new Error(`not answered within ${timeoutMs} ms`)))) {
			onTimeout?.();
		}
	}

	private finish(outcome: Outcome<T>): boolean {
		if (this.outcome !== undefined) {
			return false;
		}

		this.outcome = outcome;
		clearTimeout(this.timer);
		this.timer = undefined;
		this.options.onSettled?.();
		const {settle} = this;
		this.settle = undefined;
		if (outcome.ok) {
			settle?.resolve(outcome.value);
		} else {
			settle?.reject(outcome.error);
		}

		return true;
	}
}
