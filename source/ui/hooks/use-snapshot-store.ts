import {useEffect, useRef, useState, useSyncExternalStore} from 'react';
import {createSnapshotStore} from '../snapshot-store.js';

export type SnapshotHandle<T> = {
	readonly snapshot: T;
	/** Call from event handlers: the snapshot is read again within `intervalMs`. */
	readonly invalidate: () => void;
};

/** A throttled view of the core: `read` runs at most once per `intervalMs`, however often `invalidate` is called. */
export function useSnapshotStore<T>(read: () => T, intervalMs = 150): SnapshotHandle<T> {
	const latestRead = useRef(read);
	latestRead.current = read;
	const [store] = useState(() => createSnapshotStore(() => latestRead.current(), {intervalMs}));
	useEffect(() => () => {
		store.dispose();
	}, [store]);
	const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
	return {snapshot, invalidate: store.invalidate};
}
