import type {Upstream} from '../front/front-access.js';
import type {LeaseCredentials} from '../core/lease/lease-credentials.js';

/** What the gateway needs of a leased proxy to relay through it. */
export type LeasedEndpoint = {readonly host: string; readonly port: number; readonly credentials?: LeaseCredentials};

/**
 * Where the gateway relays a session's connections: the lease's SOCKS5 port on its provider's front,
 * with the lease's credentials (the one place that knows how to reach a leased proxy).
 */
export function upstreamOf(proxy: LeasedEndpoint): Upstream {
	const {host, port, credentials} = proxy;
	return credentials ? {host, port, username: credentials.username, password: credentials.password} : {host, port};
}
