import type {RefusalReason} from './front-access.js';

/** Why the front kept a connection out (counted by reason). */
export type FrontRefusalReason =
	| RefusalReason
	/** Bytes that are not the protocol (or not a request the front serves). */
	| 'malformed'
	/** The connection ended mid-handshake. */
	| 'truncated'
	/** A handshake message longer than any valid one. */
	| 'oversized'
	/** No complete handshake within the handshake time-out (a slow-loris client, say). */
	| 'handshake-timeout'
	/** SOCKS5 BIND or UDP ASSOCIATE. */
	| 'unsupported-command'
	/** The key (lease, session) has as many connections open as it may. */
	| 'key-full'
	/** The front has as many connections open as it may. */
	| 'front-full'
	/** The upstream (Tor) refused or could not be reached; the client got its answer. */
	| 'upstream-failed';

export const frontRefusalReasons: readonly FrontRefusalReason[] = [
	'no-credentials',
	'bad-credentials',
	'unavailable',
	'malformed',
	'truncated',
	'oversized',
	'handshake-timeout',
	'unsupported-command',
	'key-full',
	'front-full',
	'upstream-failed',
];

export type FrontRefusal = {
	readonly protocol: 'socks5' | 'http';
	readonly reason: FrontRefusalReason;
	readonly clientAddress: string;
};

/** What the front reports. Credentials never appear in any of them. */
export type FrontEvents = {
	refused: [FrontRefusal];
	/** A connection was let through to the upstream of `key`. */
	relayed: [protocol: 'socks5' | 'http', key: string];
	/** `revoke(key)` closed this many open connections. */
	revoked: [key: string, closed: number];
};
