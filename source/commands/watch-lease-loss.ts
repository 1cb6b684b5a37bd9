import type {EventEmitter} from 'node:events';
import type {ClientEvents} from '../core/client-events.js';
import {listen} from '../core/listen.js';

/** A lease that ended under its holder: its proxy's URL without credentials, and why (a lease-end reason, or why it is down). */
export type LostLease = {readonly url: string; readonly reason: string};

/**
 * Call `onLost` once, for the first lease of `client` that ends by itself ('proxy-end': TTL,
 * provider stopping, ...) or goes down ('proxy-down': heartbeats lost, proxy down). Leases given
 * back by `destroy()` or `close()` do not count. Returns a function that stops watching.
 */
export function watchLeaseLoss(client: EventEmitter<ClientEvents>, onLost: (lost: LostLease) => void): () => void {
	let fired = false;
	const lose = (lost: LostLease) => {
		if (!fired) {
			fired = true;
			onLost(lost);
		}
	};

	const offs = [
		listen(client, 'proxy-end', (proxy, reason) => {
			lose({url: proxy.displayUrl, reason});
		}),
		listen(client, 'proxy-down', error => {
			lose({url: error.proxy.displayUrl, reason: error.reason});
		}),
	];
	return () => {
		for (const off of offs) {
			off();
		}
	};
}
