import type {Redis} from 'ioredis';
import {dropConnection} from './redis-connection.js';
import {RedisUnresponsiveError, type ConnectionRole} from '../errors/redis-unresponsive-error.js';

/** How often a connection is probed with a PING, and how long an answer may take. */
export type Liveness = {intervalMs: number; timeoutMs: number};

/** A PING every 15 s; 10 s without an answer counts as a dead connection. */
export const defaultLiveness: Liveness = {intervalMs: 15_000, timeoutMs: 10_000};

/** The liveness settings for a `liveness` option: the defaults filled in, or undefined for `false` (no watch). */
export function resolveLiveness(option: Partial<Liveness> | false | undefined): Liveness | undefined {
	if (option === false) {
		return undefined;
	}

	const liveness = {...defaultLiveness, ...option};
	for (const [key, value] of Object.entries(liveness)) {
		if (!Number.isFinite(value) || value <= 0) {
			throw new RangeError(`liveness.${key} must be a positive number of milliseconds, not ${value}`);
		}
	}

	return liveness;
}

export type WatchState = 'idle' | 'waiting' | 'probing' | 'reconnecting' | 'stopped';

export type ConnectionWatchOptions = {
	connection: Redis;
	role: ConnectionRole;
	liveness: Liveness;
	/** Whether the connection should be kept up now (its owner is ready, or offline and reconnecting). */
	active: () => boolean;
	/** A PING went unanswered; the connection is being dropped and reconnected. */
	onUnresponsive: (error: RedisUnresponsiveError) => void;
};

/**
 * Notices a connection that stays open but carries nothing. While it is 'ready' (and `active()`),
 * it is sent a PING every `intervalMs`, one at a time; any answer counts, an error reply too (a busy
 * Redis is alive). No answer within `timeoutMs`: `onUnresponsive`, then the connection is dropped
 * (`dropConnection`), so ioredis reconnects it (its owner's 'close' and 'ready' handlers do
 * the rest). Probing resumes once that connection has closed. One timer, owned here.
 */
export class ConnectionWatch {
	state: WatchState = 'idle';
	private timer: NodeJS.Timeout | undefined;
	/** The current probe; an answer to an older one (a late one, or one resent after a reconnect) changes nothing. */
	private probe = 0;

	constructor(private readonly options: ConnectionWatchOptions) {}

	start(): void {
		if (this.state === 'idle') {
			this.wait();
		}
	}

	/** Idempotent: clears the timer; a late answer or close changes nothing afterwards. */
	stop(): void {
		this.probe++;
		clearTimeout(this.timer);
		this.timer = undefined;
		this.state = 'stopped';
	}

	private wait(): void {
		this.state = 'waiting';
		this.timer = setTimeout(() => {
			this.tick();
		}, this.options.liveness.intervalMs);
		this.timer.unref();
	}

	private tick(): void {
		const {connection, liveness} = this.options;
		if (!this.options.active() || connection.status !== 'ready') {
			this.wait();
			return;
		}

		this.state = 'probing';
		const probe = ++this.probe;
		this.timer = setTimeout(() => {
			// After a stall of the event loop, timers run before the socket is read: let an answer
			// already received be read first (setImmediate comes after the I/O phase).
			setImmediate(() => {
				this.unanswered(probe);
			});
		}, liveness.timeoutMs);
		this.timer.unref();
		const answered = (): void => {
			this.answered(probe);
		};

		// A rejection is an answer too: an error reply from a live Redis, or the connection closed (ioredis reconnects it).
		connection.ping().then(answered, answered);
	}

	private answered(probe: number): void {
		if (probe === this.probe && this.state === 'probing') {
			clearTimeout(this.timer);
			this.wait();
		}
	}

	private unanswered(probe: number): void {
		if (probe !== this.probe || this.state !== 'probing') {
			return;
		}

		const {connection, role, liveness} = this.options;
		if (connection.status !== 'ready') {
			// It dropped meanwhile, and ioredis is reconnecting it already.
			this.wait();
			return;
		}

		this.state = 'reconnecting';
		this.timer = undefined;
		connection.once('close', () => {
			if (this.state === 'reconnecting') {
				this.wait();
			}
		});
		this.options.onUnresponsive(new RedisUnresponsiveError(role, liveness.timeoutMs));
		// Not quit(): a QUIT would go unanswered too.
		dropConnection(connection);
	}
}

/** The watches of a bus's two connections, started and stopped together. */
export type ConnectionWatches = {readonly watches: readonly ConnectionWatch[]; start(): void; stop(): void};

/** One watch per connection, or none when `liveness` is false. */
export function watchConnections(
	connections: Record<ConnectionRole, Redis>,
	option: Partial<Liveness> | false | undefined,
	active: () => boolean,
	onUnresponsive: (error: RedisUnresponsiveError) => void,
): ConnectionWatches {
	const liveness = resolveLiveness(option);
	const roles = ['publisher', 'subscriber'] as const;
	const watches = liveness ? roles.map(role => new ConnectionWatch({connection: connections[role], role, liveness, active, onUnresponsive})) : [];
	return {
		watches,
		start() {
			for (const watch of watches) {
				watch.start();
			}
		},
		stop() {
			for (const watch of watches) {
				watch.stop();
			}
		},
	};
}
