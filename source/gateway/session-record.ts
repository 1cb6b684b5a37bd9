import type {ClientProxy} from '../core/client-proxy.js';
import type {Traffic} from '../front/traffic-meter.js';
import type {SessionChoice} from './session-choice.js';

/** A session's lifecycle: waiting for its first lease, leased, moving to a new lease after losing one, closed. */
export type SessionPhase = 'waiting' | 'leased' | 'moving' | 'closed';

export type SessionCloseReason = 'idle' | 'ttl' | 'dropped' | 'done' | 'lease-timeout' | 'stopped';

/** The session table's own record of one session (mutated only by the table). */
export type SessionRecord = {
	readonly choice: SessionChoice;
	readonly createdAt: number;
	readonly expiresAt: number | undefined;
	phase: SessionPhase;
	proxy: ClientProxy | undefined;
	/** Resolves with the next lease while waiting or moving. */
	pending: Promise<ClientProxy | undefined> | undefined;
	/** Connections waiting for `pending`. */
	waiters: number;
	lastActiveAt: number;
	relayed: number;
	rotations: number;
	moves: number;
	failures: number;
	detach: (() => void) | undefined;
};

/** What a display, a log or the control API sees of one session: a frozen copy. */
export type SessionView = {
	readonly key: string;
	readonly kind: SessionChoice['kind'];
	readonly phase: SessionPhase;
	readonly exitIp?: string;
	/** The lease's exit is shared with another proxy of the cluster (not enough exits for everyone). */
	readonly sharedExit: boolean;
	readonly providerId?: string;
	readonly proxyId?: string;
	readonly leaseId?: string;
	readonly createdAt: number;
	readonly expiresAt?: number;
	readonly lastActiveAt: number;
	readonly connections: number;
	readonly relayed: number;
	/** Bytes read from the session's clients and written to them, over every exit it had (handshakes included). */
	readonly bytesIn: number;
	readonly bytesOut: number;
	readonly rotations: number;
	readonly moves: number;
	readonly failures: number;
};

/** What the front holds for a session now: its open connections and the bytes they and the closed ones carried. */
export type SessionUsage = Traffic & {readonly connections: number};

export function viewOf(record: SessionRecord, {connections, bytesIn, bytesOut}: SessionUsage): SessionView {
	const {proxy} = record;
	return Object.freeze({
		key: record.choice.key,
		kind: record.choice.kind,
		phase: record.phase,
		exitIp: proxy?.exitIp,
		sharedExit: proxy?.sharedExit ?? false,
		providerId: proxy?.clusterId,
		proxyId: proxy?.proxyId,
		leaseId: proxy?.leaseId,
		createdAt: record.createdAt,
		expiresAt: record.expiresAt,
		lastActiveAt: record.lastActiveAt,
		connections,
		relayed: record.relayed,
		bytesIn,
		bytesOut,
		rotations: record.rotations,
		moves: record.moves,
		failures: record.failures,
	});
}

export type SweepRules = {
	readonly idleMs: number;
	/** A fresh session with no open connection for this long is done. */
	readonly freshGraceMs: number;
};

/** Whether a session should close now, and why (pure: the table calls it on every sweep). */
export function closeReasonOf(record: SessionRecord, openConnections: number, now: number, rules: SweepRules): SessionCloseReason | undefined {
	if (record.expiresAt !== undefined && now >= record.expiresAt) {
		return 'ttl';
	}

	if (openConnections > 0 || record.waiters > 0) {
		return undefined;
	}

	const quietMs = now - record.lastActiveAt;
	if (record.choice.kind === 'fresh') {
		return quietMs >= rules.freshGraceMs ? 'done' : undefined;
	}

	return quietMs >= rules.idleMs ? 'idle' : undefined;
}
