import type {EventEmitter} from 'node:events';

type EventMap<T> = Record<keyof T, unknown[]>;

/** `on`/`off` typed so that a generic event key checks (Node's own overloads do not). */
type TypedEmitter<T extends EventMap<T>> = {
	on<K extends keyof T>(event: K, listener: (...args: T[K]) => void): unknown;
	off<K extends keyof T>(event: K, listener: (...args: T[K]) => void): unknown;
};

/** Listen to one event of a core emitter; returns the function that stops listening. */
export function listen<T extends EventMap<T>, K extends keyof T & string>(
	emitter: EventEmitter<T> & TypedEmitter<T>,
	event: K,
	listener: (...args: T[K]) => void,
): () => void {
	emitter.on(event, listener);
	return () => {
		emitter.off(event, listener);
	};
}
