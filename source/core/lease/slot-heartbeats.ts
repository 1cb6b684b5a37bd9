import type {LeaseInfo} from './messages.js';

/**
 * How long a client waits for a heartbeat answer before it reports the proxy down: one heartbeat
 * interval past the provider's `heartbeatTimeoutMs`, so a provider that still holds the lease has
 * taken it back (and says so with `proxy:leaseEnd`) before its client gives up on it.
 */
export function clientSilenceLimitMs(heartbeatIntervalMs: number, heartbeatTimeoutMs: number): number {
	return heartbeatTimeoutMs + heartbeatIntervalMs;
}

/** After a heartbeat went unanswered, the next ones go this often until an answer comes back. */
export function probeIntervalMs(heartbeatIntervalMs: number): number {
	return Math.max(10, Math.floor(heartbeatIntervalMs / 4));
}

export type SlotHeartbeatsOptions = {
	/** The provider's heartbeat interval and timeout, as the lease carries them. */
	readonly lease: Pick<LeaseInfo, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs'>;
	readonly send: (seq: number) => void;
	/** The lease's expiry in this machine's clock. */
	readonly expiresAt: () => number;
	/** No answer for `clientSilenceLimitMs` of online time. */
	readonly onSilent: () => void;
	/** Past the lease's expiry with no lease-end message (it was lost). */
	readonly onExpired: () => void;
	/** The bus is offline right now. */
	readonly offline: boolean;
};

/**
 * The heartbeats of one linked lease: one every interval, faster once an answer is missing, and a
 * verdict when answers stop. Time the bus spent offline does not count as silence: nothing could
 * be heard then, and on reconnect a heartbeat goes out at once.
 */
export class SlotHeartbeats {
	private seq = 0;
	/** The last answer, or the last reconnect if later: silence counts from here. */
	private heardAt = Date.now();
	private unanswered = false;
	private offlineSince: number | undefined;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;

	constructor(private readonly options: SlotHeartbeatsOptions) {
		this.offlineSince = options.offline ? Date.now() : undefined;
		this.schedule(Math.max(10, options.lease.heartbeatIntervalMs));
	}

	/** An answer to a heartbeat arrived. */
	heard(): void {
		this.heardAt = Date.now();
		this.unanswered = false;
	}

	offline(): void {
		this.offlineSince ??= Date.now();
	}

	/**
	 * The bus is back: a heartbeat goes out now, and the silence limit counts afresh from here, so the
	 * provider (whose own connection may come back a little later) has its full time to answer.
	 */
	online(): void {
		if (this.offlineSince === undefined || this.stopped) {
			return;
		}

		this.heardAt = Date.now();
		this.offlineSince = undefined;
		this.unanswered = false;
		this.tick();
	}

	stop(): void {
		this.stopped = true;
		clearTimeout(this.timer);
	}

	private tick(): void {
		const {heartbeatIntervalMs: intervalMs, heartbeatTimeoutMs: timeoutMs} = this.options.lease;
		const interval = Math.max(10, intervalMs);
		if (this.offlineSince !== undefined) {
			this.schedule(interval);
			return;
		}

		const now = Date.now();
		if (now - this.heardAt > clientSilenceLimitMs(intervalMs, timeoutMs)) {
			this.stop();
			this.options.onSilent();
			return;
		}

		if (now > this.options.expiresAt() + timeoutMs) {
			this.stop();
			this.options.onExpired();
			return;
		}

		const missed = this.unanswered;
		this.unanswered = true;
		this.options.send(this.seq++);
		this.schedule(missed ? probeIntervalMs(intervalMs) : interval);
	}

	private schedule(ms: number): void {
		clearTimeout(this.timer);
		if (!this.stopped) {
			this.timer = setTimeout(() => {
				this.tick();
			}, ms);
		}
	}
}
