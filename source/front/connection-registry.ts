export type ConnectionLimits = {
	/** Open connections one key (a lease, a session) may have at once. */
	readonly perKey: number;
	/** Open relayed connections in all. */
	readonly total: number;
};

export type Admission = 'ok' | 'key-full' | 'front-full';

/**
 * The front's open relayed connections, grouped by the key their access grant named: bounded per key
 * and in all, and closed together when the key is revoked (a lease ended).
 */
export class ConnectionRegistry {
	private readonly byKey = new Map<string, Set<() => void>>();
	private count = 0;

	constructor(private readonly limits: ConnectionLimits) {}

	get open(): number {
		return this.count;
	}

	openFor(key: string): number {
		return this.byKey.get(key)?.size ?? 0;
	}

	/**
	 * Take a place for a connection of `key`, or say why not. `close` ends the connection; the
	 * returned function gives the place back (call it when the connection closes; it is idempotent).
	 */
	admit(key: string, close: () => void): {admission: 'ok'; release: () => void} | {admission: Exclude<Admission, 'ok'>} {
		if (this.count >= this.limits.total) {
			return {admission: 'front-full'};
		}

		const set = this.byKey.get(key) ?? new Set();
		if (set.size >= this.limits.perKey) {
			return {admission: 'key-full'};
		}

		set.add(close);
		this.byKey.set(key, set);
		this.count++;
		let released = false;
		return {
			admission: 'ok',
			release: () => {
				if (released) {
					return;
				}

				released = true;
				this.count--;
				set.delete(close);
				if (set.size === 0 && this.byKey.get(key) === set) {
					this.byKey.delete(key);
				}
			},
		};
	}

	/** Close every open connection of `key`; returns how many there were. */
	revoke(key: string): number {
		const set = this.byKey.get(key);
		if (!set) {
			return 0;
		}

		this.byKey.delete(key);
		const closers = [...set];
		for (const close of closers) {
			close();
		}

		return closers.length;
	}

	/** Close everything. */
	closeAll(): void {
		for (const key of [...this.byKey.keys()]) {
			this.revoke(key);
		}
	}
}
