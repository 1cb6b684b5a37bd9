import type {Client} from '../core/client.js';

/**
 * Say when the client loses its Redis connection and when it is back (ioredis retries by itself;
 * leases survive a short outage). Returns the function that stops watching.
 */
export function watchConnection(client: Client, notice: (line: string) => void): () => void {
	const {events} = client.bus;
	const onOffline = () => {
		notice('lost the Redis connection; retrying');
	};

	const onOnline = () => {
		notice('Redis connection back');
	};

	events.on('offline', onOffline);
	events.on('online', onOnline);
	return () => {
		events.off('offline', onOffline);
		events.off('online', onOnline);
	};
}
