import type {EventEmitter} from 'node:events';

export type EventMap<T> = Record<keyof T, unknown[]>;

/**
 * `on`/`off` typed so a generic event key checks. Node's `EventEmitter<Events>` (Client, Provider,
 * ClientProxy, Front) has them; taking both types lets the event map be inferred from the emitter.
 */
export type TypedEmitter<T extends EventMap<T>> = EventEmitter<T> & {
	on<K extends keyof T>(event: K, listener: (...args: T[K]) => void): unknown;
	off<K extends keyof T>(event: K, listener: (...args: T[K]) => void): unknown;
};

/**
 * The one typed-listener helper: listen to one event of a core emitter; returns the function that
 * stops listening. Commands call it directly; the UI's `useCoreEvent` calls it inside an effect.
 */
export function listen<T extends EventMap<T>, K extends keyof T & string>(emitter: TypedEmitter<T>, event: K, listener: (...args: T[K]) => void): () => void {
	emitter.on(event, listener);
	return () => {
		emitter.off(event, listener);
	};
}
