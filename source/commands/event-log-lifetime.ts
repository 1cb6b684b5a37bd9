import type {Shutdown} from '../cli/shutdown.js';
import {watchStdoutClosed} from '../cli/watch-stdout.js';
import type {LogRecord} from './provider-log.js';

/**
 * The lifetime of a command's event log on stdout (provider, gateway): shut down when nobody reads
 * stdout any more, write `stopping` when the shutdown begins and `stopped` as its last step, then
 * `detach` the log's listeners.
 */
export function logLifetime(shutdown: Shutdown, writeLine: (record: LogRecord) => void, detach: () => void): void {
	const unwatch = watchStdoutClosed(() => {
		void shutdown.shutdown('stdout-closed');
	});
	shutdown.signal.addEventListener('abort', () => {
		writeLine({event: 'stopping', reason: shutdown.reason, error: shutdown.error});
	});
	shutdown.defer('the event log', () => {
		writeLine({event: 'stopped', reason: shutdown.reason});
		detach();
		unwatch();
	});
}
