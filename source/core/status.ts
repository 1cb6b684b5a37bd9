/**
 * The one lifecycle vocabulary of Bus, Client, Provider and TorInstance:
 * - `idle`: made, not started;
 * - `starting`: connecting, starting the pool, bootstrapping;
 * - `ready`: up and doing its work (connected and subscribed; leasing; serving a pinned exit);
 * - `offline`: was ready, lost its Redis connection, and is reconnecting by itself;
 * - `stopping` / `stopped`: going away for good (stop() or close() was called, or starting failed).
 */
export type Status = 'idle' | 'starting' | 'ready' | 'offline' | 'stopping' | 'stopped';

/** Whether a status is past the point of no return. */
export function isStopped(status: Status): boolean {
	return status === 'stopping' || status === 'stopped';
}
