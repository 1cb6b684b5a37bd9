import type {Client} from '../core/client.js';
import type {ClientProxy} from '../core/client-proxy.js';
import {LeaseTimeoutError} from '../core/errors/lease-timeout-error.js';
import {leasesTimedOut, slowLeasesNotice, type WaitForLeasesOptions} from './wait-for-leases.js';

/** Node's timers hold at most 2^31-1 ms: "wait forever" is this long. */
const foreverMs = 2_147_483_647;

/**
 * Lease `count` proxies that are not renewed (`client.getProxy`, all at once), and resolve with
 * them in order. A lease that ends is not replaced, so whoever was given a proxy keeps it to
 * itself for as long as it holds the lease. Rejects like `waitForLeases`: with a message naming
 * where it looked when the timeout passes first, or with the signal's reason when aborted.
 */
export async function leaseProxies(client: Client, options: WaitForLeasesOptions): Promise<ClientProxy[]> {
	const {count, timeoutMs, signal, where, notice} = options;
	signal.throwIfAborted();
	let leased = 0;
	const all = Promise.all(Array.from({length: count}, async () => {
		const proxy = await client.getProxy({timeoutMs: timeoutMs || foreverMs});
		leased++;
		return proxy;
	}));
	const slow = notice ? setTimeout(() => {
		notice(slowLeasesNotice(leased, count, where));
	}, options.slowMs ?? 5000) : undefined;
	let rejectAborted: (reason: unknown) => void = () => undefined;
	const aborted = new Promise<never>((_resolve, reject) => {
		rejectAborted = reject;
	});
	const onAbort = () => {
		rejectAborted(signal.reason);
	};

	signal.addEventListener('abort', onAbort, {once: true});
	try {
		return await Promise.race([all, aborted]);
	} catch (error) {
		throw error instanceof LeaseTimeoutError && timeoutMs ? leasesTimedOut(leased, count, timeoutMs, where) : error;
	} finally {
		clearTimeout(slow);
		signal.removeEventListener('abort', onAbort);
	}
}
