import type {Client} from '../core/client.js';
import {listen} from '../core/listen.js';

/**
 * Say when the client loses its Redis connection and when it is back (ioredis retries by itself;
 * leases survive a short outage). Returns the function that stops watching.
 */
export function watchConnection(client: Client, notice: (line: string) => void): () => void {
	const offs = [
		listen(client, 'offline', () => {
			notice('lost the Redis connection; retrying');
		}),
		listen(client, 'online', () => {
			notice('Redis connection back');
		}),
	];
	return () => {
		for (const off of offs) {
			off();
		}
	};
}
