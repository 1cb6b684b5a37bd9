import type net from 'node:net';

/**
 * Bytes on the clients' side of the front's relayed connections: `bytesIn` read from the client (its
 * requests and uploads), `bytesOut` written to it (answers and downloads). Counted on the client's
 * socket, so a connection's own handshake is included: SOCKS5 greeting, authentication, request and
 * their replies (about 30 bytes plus the username, password and target name), or the HTTP proxy's
 * request and response heads.
 */
export type Traffic = {readonly bytesIn: number; readonly bytesOut: number};

export const noTraffic: Traffic = Object.freeze({bytesIn: 0, bytesOut: 0});

type Tally = {bytesIn: number; bytesOut: number; readonly live: Set<() => Traffic>};

/** The one owner of the front's byte counts: per key, what closed connections carried plus what open ones carry now. */
export class TrafficMeter {
	private readonly byKey = new Map<string, Tally>();

	/**
	 * Count `socket`'s bytes for `key`, beyond `since` (what it carried before it was this key's),
	 * until the returned function is called (when it closes, or moves to another key); that function
	 * is idempotent.
	 */
	track(key: string, socket: net.Socket, since: Traffic = noTraffic): () => void {
		let tally = this.byKey.get(key);
		if (!tally) {
			tally = {bytesIn: 0, bytesOut: 0, live: new Set()};
			this.byKey.set(key, tally);
		}

		const live = (): Traffic => ({bytesIn: socket.bytesRead - since.bytesIn, bytesOut: socket.bytesWritten - since.bytesOut});
		tally.live.add(live);
		const owner = tally;
		return () => {
			if (!owner.live.delete(live)) {
				return;
			}

			const final = live();
			owner.bytesIn += final.bytesIn;
			owner.bytesOut += final.bytesOut;
		};
	}

	/** What `key`'s connections have carried so far, open ones included. */
	of(key: string): Traffic {
		const tally = this.byKey.get(key);
		if (!tally) {
			return noTraffic;
		}

		let {bytesIn, bytesOut} = tally;
		for (const live of tally.live) {
			const now = live();
			bytesIn += now.bytesIn;
			bytesOut += now.bytesOut;
		}

		return {bytesIn, bytesOut};
	}

	/** Stop keeping `key`'s counts (its lease or session is over); returns them. Connections still closing add to nothing. */
	forget(key: string): Traffic {
		const traffic = this.of(key);
		this.byKey.delete(key);
		return traffic;
	}

	/** A socket's counts now (where a kept-alive connection moves to another key). */
	static countsOf(socket: net.Socket): Traffic {
		return {bytesIn: socket.bytesRead, bytesOut: socket.bytesWritten};
	}
}
