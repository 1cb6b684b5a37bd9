/** The key undici (the npm package and the copy inside Node) keeps its global dispatcher under. */
const globalDispatcherKey = Symbol.for('undici.globalDispatcher.1');

/** What Node's built-in fetch asks of a dispatcher: `dispatch`, answering through the handler. */
export type FetchDispatcher = {
	dispatch(options: unknown, handler: {onError(error: Error): void}): boolean;
	close(): Promise<void>;
	destroy(): Promise<void>;
};

/**
 * A dispatcher that fails every request with `reason`, so that built-in fetch errors out instead of
 * going straight to the target. Plain code, no undici: it must work when undici itself failed.
 */
export function refusingDispatcher(reason: string): FetchDispatcher {
	return {
		dispatch(_options, handler) {
			const error = new Error(`nightcrawler run: this process may not fetch directly (${reason})`);
			queueMicrotask(() => {
				handler.onError(error);
			});
			return false;
		},
		async close() {
			return undefined;
		},
		async destroy() {
			return undefined;
		},
	};
}

/** Make `dispatcher` the global one, the way undici's `setGlobalDispatcher` does (same attributes). */
export function installGlobalDispatcher(dispatcher: FetchDispatcher): void {
	Object.defineProperty(globalThis, globalDispatcherKey, {value: dispatcher, writable: true, enumerable: false, configurable: false});
}
