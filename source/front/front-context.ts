import type {ConnectionRegistry} from './connection-registry.js';
import type {FrontAccess} from './front-access.js';
import type {FrontRefusalReason} from './front-events.js';
import type {TrafficMeter} from './traffic-meter.js';

/** What each of the front's two ports (SOCKS5, HTTP) is given by the front. */
export type FrontContext = {
	access: FrontAccess;
	registry: ConnectionRegistry;
	traffic: TrafficMeter;
	handshakeTimeoutMs: number;
	idleTimeoutMs: number;
	/** A connection was refused (counted and logged by the front, never with its credentials). */
	refused(reason: FrontRefusalReason, clientAddress: string): void;
	/** A connection was let through to its upstream. */
	relayed(key: string): void;
};
