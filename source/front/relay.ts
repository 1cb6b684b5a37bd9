import type net from 'node:net';

/**
 * Relay bytes both ways between two connected sockets until both sides are done: streamed with
 * backpressure (`pipe`), half-close passed on (each side's end becomes the other's FIN; the sockets
 * must allow half-open), an error or `idleTimeoutMs` without traffic on either side destroys both.
 * Resolves once both sockets are closed.
 */
export async function relay(client: net.Socket, upstream: net.Socket, {idleTimeoutMs}: {idleTimeoutMs: number}): Promise<void> {
	return new Promise<void>(resolve => {
		let closed = 0;
		const destroyBoth = (): void => {
			client.destroy();
			upstream.destroy();
		};

		// A side that went away before the relay began (the client left while the upstream was being
		// reached) never sends 'close' again: end at once, or the relay and its place would wait for ever.
		if (client.destroyed || upstream.destroyed) {
			destroyBoth();
			resolve();
			return;
		}

		for (const socket of [client, upstream]) {
			socket.setTimeout(idleTimeoutMs, destroyBoth);
			socket.on('error', destroyBoth);
			socket.once('close', () => {
				closed++;
				// A side that closed without ending cleanly (reset, destroyed) takes the other with it.
				if (!socket.readableEnded || !socket.writableFinished) {
					destroyBoth();
				}

				if (closed === 2) {
					resolve();
				}
			});
		}

		client.pipe(upstream);
		upstream.pipe(client);
	});
}
