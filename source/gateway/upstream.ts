import type {Upstream} from '../front/front-access.js';

/** What the gateway needs of a leased proxy to relay through it. */
export type LeasedEndpoint = {readonly host: string; readonly port: number};

/** Where the gateway relays a session's connections: the lease's SOCKS5 port (the one place that knows how to reach a leased proxy). */
export function upstreamOf(proxy: LeasedEndpoint): Upstream {
	return {host: proxy.host, port: proxy.port};
}
