import {useCallback, useEffect, useReducer, useRef} from 'react';
import type {Client} from '../../core/client.js';

export type KeepProxies = {
	/** The slots this screen keeps, in display order. */
	readonly slotIds: readonly string[];
	/** `+`: want one more proxy. */
	add(): void;
	/** `-`: stop wanting the last one (its lease is given back). */
	remove(): void;
	/** `d`: end this slot's lease and lease another in its place. */
	replace(slotId: string): void;
};

/**
 * Keep `count` proxies leased: one client slot each, created at mount. A slot re-leases by itself
 * when its proxy is lost; a destroyed one is over, so `replace` starts a new slot in its place.
 * Closing the client (the caller's shutdown) gives every lease back; unmounting does nothing.
 */
export function useKeepProxies(client: Client, count: number, onCountChange: ((count: number) => void) | undefined, onError: (error: unknown) => void): KeepProxies {
	// The list changes in key handlers that may run twice before a render: a ref is the truth.
	const ids = useRef<string[]>([]);
	const started = useRef(false);
	const [, rendered] = useReducer((n: number) => n + 1, 0);
	const latest = useRef({onCountChange, onError});
	latest.current = {onCountChange, onError};

	const create = useCallback((): string | undefined => {
		try {
			return client.createProxy();
		} catch (error) {
			latest.current.onError(error);
			return undefined;
		}
	}, [client]);

	const set = useCallback((next: string[], countChanged: boolean) => {
		ids.current = next;
		rendered();
		if (countChanged) {
			latest.current.onCountChange?.(next.length);
		}
	}, []);

	useEffect(() => {
		if (started.current) {
			return;
		}

		started.current = true;
		const created = Array.from({length: count}, create).filter(id => id !== undefined);
		set(created, false);
		// Only at mount: later changes of N come from add/remove.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);

	const add = useCallback(() => {
		const id = create();
		if (id !== undefined) {
			set([...ids.current, id], true);
		}
	}, [create, set]);

	const remove = useCallback(() => {
		const last = ids.current.at(-1);
		if (last !== undefined) {
			set(ids.current.slice(0, -1), true);
			client.cancel(last).catch(latest.current.onError);
		}
	}, [client, set]);

	const replace = useCallback((slotId: string) => {
		if (!ids.current.includes(slotId)) {
			return;
		}

		// Destroying the slot gives its lease back (or stops its request).
		client.cancel(slotId).catch(latest.current.onError);
		const id = create();
		set(ids.current.flatMap(existing => (existing === slotId ? (id === undefined ? [] : [id]) : [existing])), false);
	}, [client, create, set]);

	return {slotIds: ids.current, add, remove, replace};
}
