/** An external store for `useSyncExternalStore`: reads the core at most once per interval. */
export type SnapshotStore<T> = {
	subscribe(listener: () => void): () => void;
	getSnapshot(): T;
	/** Something changed: read again now, or at the end of the current interval. */
	invalidate(): void;
	dispose(): void;
};

export type SnapshotStoreOptions = {
	/** Least time between two reads (100-250 ms keeps a terminal from flickering). */
	intervalMs?: number;
	now?: () => number;
};

/**
 * Batch high-rate changes (heartbeats, bootstrap progress): the first change after a quiet spell
 * is read on the next turn of the event loop, the ones that follow within `intervalMs` are folded
 * into one later read.
 */
export function createSnapshotStore<T>(read: () => T, {intervalMs = 150, now = Date.now}: SnapshotStoreOptions = {}): SnapshotStore<T> {
	const listeners = new Set<() => void>();
	let snapshot = read();
	let readAt = now();
	let timer: NodeJS.Timeout | undefined;
	let disposed = false;

	const flush = () => {
		timer = undefined;
		if (disposed) {
			return;
		}

		snapshot = read();
		readAt = now();
		for (const listener of listeners) {
			listener();
		}
	};

	return {
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		getSnapshot: () => snapshot,
		invalidate() {
			if (disposed || timer !== undefined) {
				return;
			}

			// Never read or render inside the core's own call (an event emit): always on a timer.
			timer = setTimeout(flush, Math.max(0, intervalMs - (now() - readAt)));
		},
		dispose() {
			disposed = true;
			clearTimeout(timer);
			timer = undefined;
			listeners.clear();
		},
	};
}
