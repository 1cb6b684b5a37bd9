import type {ClientProxy} from './client-proxy.js';
import type {ProxyDownError} from './errors/proxy-down-error.js';
import type {LeaseEndReason} from './lease/messages.js';
import type {UnprovenMessage} from './lease/slot-events.js';

export type ProxyDrop = {readonly providerId: string; readonly offerId: string; readonly reason: string};

/** What a client reports. */
export type ClientEvents = {
	/** A proxy was leased and can be used. */
	'proxy-ready': [ClientProxy];
	/** A provider linked a proxy to this client (emitted just before 'proxy-ready'). */
	'proxy-link': [ClientProxy];
	/** A leased proxy stopped working; a renewing request leases another by itself. */
	'proxy-down': [ProxyDownError];
	/** An offer fell through (taken back or expired); the client asks again. */
	'proxy-drop': [ProxyDrop];
	/** A lease ended (TTL, destroyed, provider stopping, ...). */
	'proxy-end': [ClientProxy, LeaseEndReason];
	/** A proxy's exit changed: by rotation, or in place by its provider. */
	'proxy-rotated': [ClientProxy, previousExitIp: string | undefined];
	'proxy-update': [ClientProxy];
	/**
	 * A message about a held lease that did not prove the lease's secret (forged from sniffed
	 * traffic, replayed, or a link answer that does not open) was ignored; counted in `stats.unproven`.
	 */
	'proxy-unproven': [UnprovenMessage];
	/** Errors that concern no single call: Redis connection trouble, dropped messages. */
	'proxy-error': [Error];
	/** Connected and subscribed: at start, and again after the Redis connection came back. */
	online: [];
	/** The Redis connection was lost; it is retried by itself, and leases are kept meanwhile. */
	offline: [];
	/** Something a display shows changed (a proxy, a request, the connection). */
	change: [];
};
