import {useEffect, useRef} from 'react';
import {listen, type EventMap, type TypedEmitter} from '../../core/listen.js';

/**
 * Listen to one event of a core emitter while mounted (`listen` inside one effect, so `on` and `off`
 * go together). The handler may change between renders without re-subscribing.
 */
export function useCoreEvent<T extends EventMap<T>, K extends keyof T & string>(emitter: TypedEmitter<T>, event: K, handler: (...args: T[K]) => void): void {
	const latest = useRef(handler);
	latest.current = handler;
	useEffect(() => listen(emitter, event, (...args: T[K]) => {
		latest.current(...args);
	}), [emitter, event]);
}
