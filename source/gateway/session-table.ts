import {EventEmitter} from 'node:events';
import type {ClientProxy} from '../core/client-proxy.js';
import {LeaseTimeoutError} from '../core/errors/lease-timeout-error.js';
import type {Upstream} from '../front/front-access.js';
import type {Traffic} from '../front/traffic-meter.js';
import {SessionNotFoundError} from './errors/session-not-found-error.js';
import type {SessionChoice} from './session-choice.js';
import {closeReasonOf, viewOf, type SessionCloseReason, type SessionRecord, type SessionUsage, type SessionView, type SweepRules} from './session-record.js';
import {upstreamOf} from './upstream.js';
import type {LeaseSource} from './warm-leases.js';

/** The connections the front holds for each session key, and the bytes they carried. */
export type SessionConnections = {
	open(key: string): number;
	revoke(key: string): number;
	traffic(key: string): Traffic;
	/** The session is over: its counts, which the front no longer keeps. */
	forget(key: string): Traffic;
};

export type SessionTableOptions = SweepRules & {
	leases: LeaseSource;
	connections: SessionConnections;
	/** How long a connection waits for its session's lease before it is refused. */
	leaseTimeoutMs: number;
};

/** A session's exit changed on request: by `rotate`, or by `failure` (the scraper saw a block). */
export type ExitChange = {readonly key: string; readonly exitIp: string | undefined; readonly previousExitIp: string | undefined};

export type SessionTableEvents = {
	opened: [SessionView];
	/** A session got a lease: its first, or a new one after losing one (`moved`). */
	leased: [SessionView];
	/** A session's lease ended under it (provider gone, TTL); a new one is being leased. */
	'lease-lost': [key: string, exitIp: string | undefined, reason: string];
	moved: [SessionView, previousExitIp: string | undefined];
	rotated: [ExitChange & {readonly cause: 'rotate' | 'failure'}];
	/** With the bytes the session carried in all. */
	closed: [key: string, reason: SessionCloseReason, traffic: Traffic];
	/** A connection got no lease within the lease time-out. */
	refused: [key: string, message: string];
};

export type OpenResult = {ok: true; upstream: Upstream} | {ok: false; message: string};

/** The one owner of the gateway's sessions: each holds one exclusive lease, kept while it is used. */
export class SessionTable extends EventEmitter<SessionTableEvents> {
	private readonly sessions = new Map<string, SessionRecord>();
	/** Failures reported against each exit address. */
	private readonly exitFailures = new Map<string, number>();
	private state: 'ready' | 'stopped' = 'ready';

	constructor(private readonly options: SessionTableOptions) {
		super();
	}

	/** A connection of `choice` wants its upstream: the session's lease, once it has one. */
	async open(choice: SessionChoice): Promise<OpenResult> {
		if (this.state !== 'ready') {
			return {ok: false, message: 'The gateway is stopping.'};
		}

		const record = this.sessions.get(choice.key) ?? this.create(choice);
		record.lastActiveAt = Date.now();
		if (record.phase === 'leased' && record.proxy) {
			return {ok: true, upstream: upstreamOf(record.proxy)};
		}

		record.waiters++;
		try {
			const proxy = await this.waitFor(record);
			if (proxy) {
				return {ok: true, upstream: upstreamOf(proxy)};
			}

			const message = record.phase === 'closed' ? `Session "${choice.key}" was closed.` : `No exit was free within ${Math.round(this.options.leaseTimeoutMs / 100) / 10} s: every proxy of the cluster is leased. Try again later.`;
			this.emit('refused', choice.key, message);
			return {ok: false, message};
		} finally {
			record.waiters--;
			record.lastActiveAt = Date.now();
			if (record.phase === 'waiting' && record.waiters === 0) {
				this.close(record, 'lease-timeout');
			}
		}
	}

	/** A connection of `key` was let through. */
	noteRelayed(key: string): void {
		const record = this.sessions.get(key);
		if (record) {
			record.relayed++;
			record.lastActiveAt = Date.now();
		}
	}

	list(): SessionView[] {
		return [...this.sessions.values()].map(record => viewOf(record, this.usageOf(record.choice.key)));
	}

	get(key: string): SessionView | undefined {
		const record = this.sessions.get(key);
		return record && viewOf(record, this.usageOf(key));
	}

	failuresOf(exitIp: string): number {
		return this.exitFailures.get(exitIp) ?? 0;
	}

	/** Keep the lease, change its exit; resolves once the new exit is verified. Closes the session's open connections. */
	async rotate(key: string, cause: 'rotate' | 'failure' = 'rotate'): Promise<ExitChange> {
		const record = this.sessions.get(key);
		const proxy = record?.proxy;
		if (!record || !proxy || record.phase !== 'leased') {
			throw new SessionNotFoundError(key);
		}

		const previousExitIp = proxy.exitIp;
		if (cause === 'failure') {
			record.failures++;
			if (previousExitIp !== undefined) {
				this.exitFailures.set(previousExitIp, this.failuresOf(previousExitIp) + 1);
			}
		}

		// Connections still open would stay on the old exit: they go now, and new ones wait for the new exit.
		this.options.connections.revoke(key);
		// A failure is reported to the cluster (the exit is avoided by every provider for a while) as it rotates.
		await (cause === 'failure' ? proxy.reportFailure('blocked') : proxy.rotate());
		record.rotations++;
		this.options.connections.revoke(key);
		const change = {key, exitIp: proxy.exitIp, previousExitIp};
		this.emit('rotated', {...change, cause});
		return change;
	}

	/** Close a session now: its connections are closed and its lease given back. */
	drop(key: string): boolean {
		const record = this.sessions.get(key);
		if (!record) {
			return false;
		}

		this.close(record, 'dropped');
		return true;
	}

	/** Close the sessions that expired, went idle or (fresh ones) are done. */
	sweep(now = Date.now()): void {
		for (const record of [...this.sessions.values()]) {
			const open = this.options.connections.open(record.choice.key);
			if (open > 0) {
				record.lastActiveAt = now;
			}

			const reason = closeReasonOf(record, open, now, this.options);
			if (reason) {
				this.close(record, reason);
			}
		}
	}

	/** Close every session and give every lease back. */
	async stop(): Promise<void> {
		this.state = 'stopped';
		const proxies = [...this.sessions.values()].flatMap(record => record.proxy ?? []);
		for (const record of [...this.sessions.values()]) {
			this.close(record, 'stopped');
		}

		await Promise.all(proxies.map(async proxy => proxy.destroy().catch(() => undefined)));
	}

	private usageOf(key: string): SessionUsage {
		return {connections: this.options.connections.open(key), ...this.options.connections.traffic(key)};
	}

	private create(choice: SessionChoice): SessionRecord {
		const now = Date.now();
		const record: SessionRecord = {
			choice,
			createdAt: now,
			expiresAt: choice.ttlMs === undefined ? undefined : now + choice.ttlMs,
			phase: 'waiting',
			proxy: undefined,
			pending: undefined,
			waiters: 0,
			lastActiveAt: now,
			relayed: 0,
			rotations: 0,
			moves: 0,
			failures: 0,
			detach: undefined,
		};
		this.sessions.set(choice.key, record);
		record.pending = this.lease(record, false);
		this.emit('opened', viewOf(record, this.usageOf(choice.key)));
		return record;
	}

	/** The session's lease, or undefined when none came within the lease time-out (or it closed). */
	private async waitFor(record: SessionRecord): Promise<ClientProxy | undefined> {
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<undefined>(resolve => {
			timer = setTimeout(() => {
				resolve(undefined);
			}, this.options.leaseTimeoutMs);
		});
		try {
			return await Promise.race([record.pending, timedOut]);
		} finally {
			clearTimeout(timer);
		}
	}

	/**
	 * Lease a proxy for the session: once while it waits for its first (a time-out ends the wait),
	 * or, after losing one, again and again until it has one or is closed.
	 */
	private async lease(record: SessionRecord, moving: boolean): Promise<ClientProxy | undefined> {
		while (record.phase !== 'closed' && this.state === 'ready') {
			try {
				// eslint-disable-next-line no-await-in-loop
				const proxy = await this.options.leases.take(this.options.leaseTimeoutMs);
				// Closed (or the gateway stopped) while the lease was on its way.
				if (!this.sessions.has(record.choice.key) || this.sessions.get(record.choice.key) !== record || this.state !== 'ready') {
					void proxy.destroy().catch(() => undefined);
					return undefined;
				}

				this.attach(record, proxy, moving);
				return proxy;
			} catch (error) {
				if (!(error instanceof LeaseTimeoutError) || !moving) {
					return undefined;
				}
			}
		}

		return undefined;
	}

	private attach(record: SessionRecord, proxy: ClientProxy, moving: boolean): void {
		const previousExitIp = record.proxy?.exitIp;
		record.proxy = proxy;
		record.phase = 'leased';
		record.pending = undefined;
		const onEnd = (reason: string) => {
			this.lost(record, reason);
		};

		proxy.once('end', onEnd);
		record.detach = () => {
			proxy.off('end', onEnd);
		};

		if (moving) {
			record.moves++;
			this.emit('moved', viewOf(record, this.usageOf(record.choice.key)), previousExitIp);
		}

		this.emit('leased', viewOf(record, this.usageOf(record.choice.key)));
	}

	/** The lease ended by itself: close the connections on it and lease another, transparently. */
	private lost(record: SessionRecord, reason: string): void {
		if (record.phase !== 'leased') {
			return;
		}

		record.detach?.();
		record.detach = undefined;
		record.phase = 'moving';
		this.options.connections.revoke(record.choice.key);
		this.emit('lease-lost', record.choice.key, record.proxy?.exitIp, reason);
		record.pending = this.lease(record, true);
	}

	private close(record: SessionRecord, reason: SessionCloseReason): void {
		if (record.phase === 'closed') {
			return;
		}

		const {key} = record.choice;
		record.phase = 'closed';
		record.detach?.();
		record.detach = undefined;
		if (this.sessions.get(key) === record) {
			this.sessions.delete(key);
		}

		this.options.connections.revoke(key);
		const traffic = this.options.connections.forget(key);
		const {proxy} = record;
		if (proxy && this.state === 'ready') {
			void proxy.destroy().catch(() => undefined);
		}

		this.emit('closed', key, reason, traffic);
	}
}
