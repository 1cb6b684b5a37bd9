export type RetriedRequestOptions = {
	/** Sends the request: called at once, then every `retryMs` until settled. Omit for a plain wait. */
	readonly send?: () => void;
	readonly retryMs?: number;
	/** Fail with `timeoutError()` when unanswered this long; omit to wait until settled. */
	readonly timeoutMs?: number;
	readonly timeoutError?: () => Error;
	/** Runs once, synchronously, when the request settles (reply, timeout or close), so its owner can forget it. */
	readonly onSettled?: () => void;
};

/**
 * A request that waits for an answer over pub/sub. It is sent at once and repeated every `retryMs`
 * (a lost request or answer only delays it) until it is answered, fails, or `timeoutMs` runs out.
 * `done` settles exactly once; settling clears every timer; later answers are ignored.
 */
export class RetriedRequest<T = void> {
	readonly done: Promise<T>;
	private settle: {resolve: (value: T) => void; reject: (error: Error) => void} | undefined;
	private readonly retry: NodeJS.Timeout | undefined;
	private readonly deadline: NodeJS.Timeout | undefined;

	constructor(private readonly options: RetriedRequestOptions) {
		this.done = new Promise<T>((resolve, reject) => {
			this.settle = {resolve, reject};
		});
		const {send, retryMs, timeoutMs, timeoutError} = options;
		if (timeoutMs !== undefined) {
			this.deadline = setTimeout(() => {
				this.reject(timeoutError ?? (() => new Error(`not answered within ${timeoutMs} ms`)));
			}, timeoutMs);
		}

		if (send) {
			if (retryMs !== undefined) {
				this.retry = setInterval(send, Math.max(1, retryMs));
			}

			send();
		}
	}

	/** Not settled yet. */
	get pending(): boolean {
		return this.settle !== undefined;
	}

	/** Settle with an answer; false when it was already settled. */
	resolve(value: T): boolean {
		const settle = this.finish();
		settle?.resolve(value);
		return settle !== undefined;
	}

	/**
	 * Settle with an error; false when it was already settled. Given a function, the error is built
	 * only if the request is still pending (an Error's stack trace is not free).
	 */
	reject(error: Error | (() => Error)): boolean {
		const settle = this.finish();
		settle?.reject(typeof error === 'function' ? error() : error);
		return settle !== undefined;
	}

	private finish(): RetriedRequest<T>['settle'] {
		const {settle} = this;
		this.settle = undefined;
		clearInterval(this.retry);
		clearTimeout(this.deadline);
		if (settle) {
			this.options.onSettled?.();
		}

		return settle;
	}
}
