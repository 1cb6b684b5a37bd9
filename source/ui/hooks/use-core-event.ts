import type {EventEmitter} from 'node:events';
import {useEffect, useRef} from 'react';

type EventMap<T> = Record<keyof T, unknown[]>;

/**
 * `on`/`off` typed so a generic event key checks. Node's `EventEmitter<Events>` (Client, Provider,
 * ClientProxy) has them; the hook takes both types so the event map is inferred from the emitter.
 */
export type CoreEmitter<T extends EventMap<T>> = {
	on<K extends keyof T>(event: K, listener: (...args: T[K]) => void): unknown;
	off<K extends keyof T>(event: K, listener: (...args: T[K]) => void): unknown;
};

/**
 * Listen to one event of a core emitter while mounted. `on` and `off` live in one effect; the
 * handler may change between renders without re-subscribing.
 */
export function useCoreEvent<T extends EventMap<T>, K extends keyof T & string>(
	emitter: EventEmitter<T> & CoreEmitter<T>,
	event: K,
	handler: (...args: T[K]) => void,
): void {
	const latest = useRef(handler);
	latest.current = handler;
	useEffect(() => {
		const listener = (...args: T[K]) => {
			latest.current(...args);
		};

		emitter.on(event, listener);
		return () => {
			emitter.off(event, listener);
		};
	}, [emitter, event]);
}
