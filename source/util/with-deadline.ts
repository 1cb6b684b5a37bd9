import type {Duplex} from 'node:stream';
import {FetchTimeoutError} from './errors/fetch-timeout-error.js';

export type DeadlineScope = {
	/** Tie a socket to the operation: it is destroyed when the operation settles, times out or is aborted. */
	adopt<S extends Duplex>(socket: S): S;
};

/**
 * Run `work` with a deadline and an optional abort signal. On timeout it rejects with
 * `FetchTimeoutError`, on abort with the signal's reason; either way every adopted socket is destroyed,
 * which makes the pending reads inside `work` fail (those late failures are ignored).
 */
export async function withDeadline<T>(
	options: {what: string; timeoutMs: number; signal?: AbortSignal | undefined},
	work: (scope: DeadlineScope) => Promise<T>,
): Promise<T> {
	const {what, timeoutMs, signal} = options;
	signal?.throwIfAborted();

	const sockets = new Set<Duplex>();
	const ignore = (): void => undefined;
	let timer: NodeJS.Timeout | undefined;
	let onAbort: (() => void) | undefined;
	const interrupted = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => {
			reject(new FetchTimeoutError(what, timeoutMs));
		}, timeoutMs);
		if (signal) {
			onAbort = () => {
				reject(signal.reason);
			};

			signal.addEventListener('abort', onAbort, {once: true});
		}
	});

	const scope: DeadlineScope = {
		adopt(socket) {
			sockets.add(socket);
			// Errors still reach the reads waiting on the socket; this only keeps an error that happens
			// between two reads (or after a timeout) from becoming an uncaught 'error' event.
			socket.on('error', ignore);
			return socket;
		},
	};

	const working = work(scope);
	working.catch(ignore);
	try {
		return await Promise.race([working, interrupted]);
	} finally {
		clearTimeout(timer);
		if (onAbort) {
			signal?.removeEventListener('abort', onAbort);
		}

		for (const socket of sockets) {
			socket.destroy();
		}
	}
}
