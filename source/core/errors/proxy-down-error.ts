import type {ClientProxy} from '../client-proxy.js';

/** A leased proxy stopped working: its provider said so, or stopped answering heartbeats. */
export class ProxyDownError extends Error {
	override readonly name = 'ProxyDownError';

	constructor(readonly proxy: ClientProxy, readonly reason: string, options?: ErrorOptions) {
		super(`proxy ${proxy.displayUrl} is down: ${reason}`, options);
	}
}
