import {z} from 'zod';
import {maxTimerMs} from './messages.js';

/** Protocol timings. Providers send theirs to clients with each lease; see docs/protocol.md. */
export type ProviderTimings = {
	/** Lease lifetime; the provider ends the lease when it runs out. */
	leaseTtlMs: number;
	/** How often the client must heartbeat. */
	heartbeatIntervalMs: number;
	/** A lease with no heartbeat for this long is taken back; a client with no answer for this long reports the proxy down. */
	heartbeatTimeoutMs: number;
	/** How long an offer reserves a proxy for the client it was made to. */
	offerTtlMs: number;
	/** How long a client that asked and got nothing stays on the waiting list without asking again. */
	waitingTtlMs: number;
};

export type ClientTimings = {
	/** A client repeats its request this often until it is linked. */
	requestIntervalMs: number;
	/** A client repeats its link claim this often until it is answered (within the offer's TTL). */
	linkRetryMs: number;
	/** A client repeats destroy and rotate requests this often until they are answered. */
	retryMs: number;
	/** How long destroy waits for its answer before giving up (the lease then times out on its own). */
	destroyTimeoutMs: number;
	/** How long rotate waits for the new exit. */
	rotateTimeoutMs: number;
};

export const defaultProviderTimings: ProviderTimings = {
	leaseTtlMs: 30 * 60 * 1000,
	heartbeatIntervalMs: 1000,
	heartbeatTimeoutMs: 5000,
	offerTtlMs: 3000,
	waitingTtlMs: 2500,
};

export const defaultClientTimings: ClientTimings = {
	requestIntervalMs: 1000,
	linkRetryMs: 500,
	retryMs: 500,
	destroyTimeoutMs: 2000,
	rotateTimeoutMs: 60_000,
};

const duration = (min: number, max = maxTimerMs) => z.number().int().min(min).max(max);

/** Timings a provider may be given: within what the wire format carries, and consistent. */
export const providerTimingsSchema = z
	.object({
		leaseTtlMs: duration(100),
		heartbeatIntervalMs: duration(10, 60_000),
		heartbeatTimeoutMs: duration(20, 600_000),
		offerTtlMs: duration(10, 60_000),
		waitingTtlMs: duration(10, 600_000),
	})
	.refine(timings => timings.heartbeatTimeoutMs >= 2 * timings.heartbeatIntervalMs, {
		message: 'heartbeatTimeoutMs must be at least twice heartbeatIntervalMs, or one lost heartbeat ends a lease',
	});

/** Check provider timings; throws a one-line RangeError naming the bad value. */
export function validateProviderTimings(timings: ProviderTimings): ProviderTimings {
	const parsed = providerTimingsSchema.safeParse(timings);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new RangeError(`invalid provider timing${issue.path.length > 0 ? ` ${issue.path.join('.')}` : ''}: ${issue.message}`);
	}

	return parsed.data;
}
