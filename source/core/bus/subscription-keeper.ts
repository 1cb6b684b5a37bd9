import type {Redis} from 'ioredis';
import {dropConnection} from './redis-connection.js';
import {SubscribeTimeoutError} from './subscribe-timeout-error.js';

/** How long one SUBSCRIBE may go unanswered before the connection counts as dead and is reconnected. */
export const subscribeTimeoutMs = 10_000;

/** The wait before the next SUBSCRIBE after `failures` failed ones in a row: 100 ms doubling, at most 2 s. */
export function subscribeBackoffMs(failures: number): number {
	return Math.min(100 * 2 ** Math.max(0, failures - 1), 2000);
}

export type SubscriptionState = 'idle' | 'subscribing' | 'subscribed' | 'stopped';

export type SubscriptionKeeperOptions = {
	/** The subscriber connection (autoResubscribe off: this keeper is the one that subscribes). */
	sub: Redis;
	/** The channels wanted right now; asked again at every attempt. */
	channels: () => string[];
	/** Redis confirmed every channel wanted when the attempt started, and none was added since. */
	onSubscribed: () => void;
	/** An attempt failed: refused (another follows while the connection is up), timed out (the connection is reconnected), or the connection dropped under it. */
	onFailure: (error: Error) => void;
	timeoutMs?: number;
};

/**
 * Keeps the subscriber connection subscribed to the wanted channels. A SUBSCRIBE that Redis refuses
 * while the connection stays up is sent again with backoff until Redis confirms it; one left
 * unanswered reconnects the connection (`dropConnection`). When the connection drops, the
 * attempts stop until `ensure()` is called on its next 'ready'. Each `ensure()`
 * starts a new attempt, so a channel wanted while one was in flight is never left out: only the
 * latest attempt's success counts.
 */
export class SubscriptionKeeper {
	state: SubscriptionState = 'idle';
	private attempt = 0;
	private failures = 0;
	private retryTimer: NodeJS.Timeout | undefined;

	constructor(private readonly options: SubscriptionKeeperOptions) {}

	/** Subscribe to every wanted channel now (on 'ready', or for a new channel), retrying until confirmed. */
	ensure(): void {
		if (this.state === 'stopped' || this.options.sub.status !== 'ready') {
			return;
		}

		clearTimeout(this.retryTimer);
		this.state = 'subscribing';
		const attempt = ++this.attempt;
		void this.subscribe(attempt);
	}

	/** The subscriber connection closed: its subscriptions are gone, and nothing is retried until `ensure()`. */
	lost(): void {
		if (this.state === 'stopped') {
			return;
		}

		this.attempt++;
		clearTimeout(this.retryTimer);
		this.state = 'idle';
	}

	/** The first subscription, connect()'s: a refusal is thrown, not retried. */
	async subscribeOnce(): Promise<void> {
		const attempt = ++this.attempt;
		this.state = 'subscribing';
		await this.options.sub.subscribe(...this.options.channels());
		if (attempt === this.attempt && this.state === 'subscribing') {
			this.state = 'subscribed';
		}
	}

	stop(): void {
		this.attempt++;
		clearTimeout(this.retryTimer);
		this.state = 'stopped';
	}

	private async subscribe(attempt: number): Promise<void> {
		try {
			await this.withTimeout(this.options.sub.subscribe(...this.options.channels()));
		} catch (error) {
			if (attempt !== this.attempt) {
				return;
			}

			this.failures++;
			this.options.onFailure(error instanceof Error ? error : new Error(String(error)));
			if (error instanceof SubscribeTimeoutError && this.options.sub.status === 'ready') {
				// Unanswered: sending it again on the same (likely dead) connection would not help. Reconnect it;
				// its 'close' calls lost() and its next 'ready' ensure().
				dropConnection(this.options.sub);
				return;
			}

			// Refused, or the connection dropped: up, try again after a while; down, its next 'ready' calls ensure().
			if (this.options.sub.status === 'ready') {
				this.retryTimer = setTimeout(() => {
					this.ensure();
				}, subscribeBackoffMs(this.failures));
				this.retryTimer.unref();
			}

			return;
		}

		if (attempt === this.attempt) {
			this.failures = 0;
			this.state = 'subscribed';
			this.options.onSubscribed();
		}
	}

	private async withTimeout(subscribing: Promise<unknown>): Promise<void> {
		const timeoutMs = this.options.timeoutMs ?? subscribeTimeoutMs;
		let timer: NodeJS.Timeout | undefined;
		// A late answer or refusal of a timed-out SUBSCRIBE changes nothing: it is only observed.
		subscribing.catch(() => undefined);
		try {
			await Promise.race([
				subscribing,
				new Promise<never>((_resolve, reject) => {
					timer = setTimeout(() => {
						reject(new SubscribeTimeoutError(timeoutMs));
					}, timeoutMs);
				}),
			]);
		} finally {
			clearTimeout(timer);
		}
	}
}
