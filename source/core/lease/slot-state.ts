import type {ClientProxy} from '../client-proxy.js';
import type {LinkedLease} from './linked-lease.js';
import type {RetriedRequest} from './retried-request.js';

/**
 * Where one wanted proxy stands, each phase with exactly its own data:
 * - `idle`: made, not started;
 * - `requesting`: asking every provider (`proxy:request`, repeated) with `requestId`;
 * - `linking`: claiming `offerId` from `providerId` (`proxy:link`, repeated until the offer's TTL);
 * - `linked`: holding a lease, heartbeating it, maybe rotating it (all the `LinkedLease`'s);
 * - `closing`: giving the lease back (`proxy:destroy`, repeated until answered or `destroyTimeoutMs`);
 * - `closed`: over for good.
 */
export type SlotState =
	| {readonly phase: 'idle'}
	| {readonly phase: 'requesting'; readonly requestId: string; readonly wantingSince: number; readonly asking: RetriedRequest}
	| {
		readonly phase: 'linking';
		readonly requestId: string;
		readonly wantingSince: number;
		readonly offerId: string;
		readonly providerId: string;
		readonly claim: RetriedRequest;
	}
	| {readonly phase: 'linked'; readonly lease: LinkedLease}
	| {readonly phase: 'closing'; readonly proxy: ClientProxy; readonly providerId: string; readonly release: RetriedRequest; readonly released: Promise<void>}
	| {readonly phase: 'closed'};

export type SlotPhase = SlotState['phase'];

/** The requestId replies to this state carry, if any. */
export function requestIdOf(state: SlotState): string | undefined {
	return state.phase === 'requesting' || state.phase === 'linking' ? state.requestId : undefined;
}

/** The proxy this state holds or is giving back, if any. */
export function proxyOf(state: SlotState): ClientProxy | undefined {
	if (state.phase === 'linked') {
		return state.lease.proxy;
	}

	return state.phase === 'closing' ? state.proxy : undefined;
}

/** The lease this state holds or is giving back, if any. */
export function leaseIdOf(state: SlotState): string | undefined {
	return proxyOf(state)?.leaseId;
}

/** The provider this state deals with, if any. */
export function providerIdOf(state: SlotState): string | undefined {
	if (state.phase === 'linked') {
		return state.lease.providerId;
	}

	return state.phase === 'linking' || state.phase === 'closing' ? state.providerId : undefined;
}

/** Since when this slot has had no proxy (undefined while it has one, or is over). */
export function wantingSinceOf(state: SlotState): number | undefined {
	return state.phase === 'requesting' || state.phase === 'linking' ? state.wantingSince : undefined;
}

/** Stop whatever the state was waiting for (a request, a claim, heartbeats, a rotation, a release); `error` is built only for a request still pending. */
export function settleState(state: SlotState, error: () => Error): void {
	switch (state.phase) {
		case 'requesting': {
			state.asking.resolve();
			break;
		}

		case 'linking': {
			state.claim.reject(error);
			break;
		}

		case 'linked': {
			state.lease.stop(error);
			break;
		}

		case 'closing': {
			state.release.reject(error);
			break;
		}

		default:
	}
}
