import type {Client} from '../core/client.js';
import {listen} from '../core/listen.js';

export type WaitForLeasesOptions = {
	readonly count: number;
	/** Give up after this long; undefined or 0 waits until aborted. */
	readonly timeoutMs?: number;
	readonly signal: AbortSignal;
	/** Where the client looks, for messages: the redacted Redis URL and the namespace. */
	readonly where: string;
	/** Said once when the proxies are slow to come (a provider may not be running); not said when omitted. */
	readonly notice?: (line: string) => void;
	readonly slowMs?: number;
};

function seconds(ms: number): string {
	return `${Math.round(ms / 100) / 10} s`;
}

/** Said once when the proxies are slow to come. */
export function slowLeasesNotice(leased: number, count: number, where: string): string {
	return `waiting for proxies (${leased} of ${count} leased): is a provider running on ${where}?`;
}

/** The error when fewer than `count` proxies were leased in time. */
export function leasesTimedOut(leased: number, count: number, timeoutMs: number, where: string): Error {
	return new Error(`only ${leased} of ${count} ${count === 1 ? 'proxy' : 'proxies'} leased within ${seconds(timeoutMs)}: is a provider running on ${where}?`);
}

/**
 * Resolve once the client holds `count` proxies. Rejects with a message naming where it looked
 * when the timeout passes first, or with the signal's reason when aborted.
 */
export async function waitForLeases(client: Client, options: WaitForLeasesOptions): Promise<void> {
	const {count, timeoutMs, signal, where} = options;
	const leased = () => client.proxies().length;
	signal.throwIfAborted();
	if (leased() >= count) {
		return;
	}

	await new Promise<void>((resolve, reject) => {
		const {notice} = options;
		const slow = notice ? setTimeout(() => {
			notice(slowLeasesNotice(leased(), count, where));
		}, options.slowMs ?? 5000) : undefined;
		const timer = timeoutMs ? setTimeout(() => {
			finish();
			reject(leasesTimedOut(leased(), count, timeoutMs, where));
		}, timeoutMs) : undefined;
		const off = listen(client, 'change', () => {
			if (leased() >= count) {
				finish();
				resolve();
			}
		});
		const onAbort = () => {
			finish();
			reject(signal.reason);
		};

		const finish = () => {
			clearTimeout(slow);
			clearTimeout(timer);
			off();
			signal.removeEventListener('abort', onAbort);
		};

		signal.addEventListener('abort', onAbort, {once: true});
	});
}
