import type {Bus} from '../bus/bus.js';
import type {ExitFailure} from '../../tor/exit-registry.js';
import type {SealKeyPair} from './seal.js';
import {RequestTimeoutError} from '../errors/request-timeout-error.js';
import {RotateError} from '../errors/rotate-error.js';
import type {ClientInbound, ProviderInbound} from './messages.js';
import {proofFieldsOf, protocolVersion, prove, type ClientProvenEvent, type ProofField} from './lease-proof.js';
import {RetriedRequest} from './retried-request.js';
import type {ClientTimings} from './timings.js';

/** What a slot needs from its client: a way to send, and the client's timings. */
export type SlotContext = {
	readonly bus: Pick<Bus<ClientInbound, ProviderInbound>, 'id' | 'emit' | 'sendMessage'>;
	readonly timings: ClientTimings;
	/** The bus is offline right now. */
	readonly offline: () => boolean;
	/** The client's X25519 key pair: every claim carries its public key, every lease is sealed to it. */
	readonly keys: SealKeyPair;
};

/** The counts of proven messages about one lease: the last sent, and the last accepted from the provider. */
export type ProofCounters = {sentN: number; heardN: number};

/** The lease a request is about, and the secret that proves this client holds it. */
export type Held = {readonly providerId: string; readonly leaseId: string; readonly secret: string; readonly counters: ProofCounters};

/** `n` and `proof` for the next message about a held lease (docs/protocol.md §3.5). */
export function clientProof({bus}: SlotContext, held: Held, event: ClientProvenEvent, own: readonly ProofField[]): {n: number; proof: string} {
	const n = ++held.counters.sentN;
	return {n, proof: prove(held.secret, proofFieldsOf({event, from: bus.id, to: held.providerId, leaseId: held.leaseId, n}, own))};
}

/** The requests a slot sends, each repeated until answered (see RetriedRequest). */
export const slotRequests = {
	/** `proxy:request` to every provider, until a supply answers it (no deadline). */
	ask({bus, timings}: SlotContext, requestId: string): RetriedRequest {
		return new RetriedRequest({send: () => void bus.emit('proxy:request', {requestId}), retryMs: timings.requestIntervalMs});
	},

	/** `proxy:link`: claim an offer, until the link answers it or the offer runs out. */
	claim({bus, timings}: SlotContext, providerId: string, requestId: string, offerId: string, offerTtlMs: number, publicKey: string, onTimeout: () => void): RetriedRequest {
		return new RetriedRequest({
			send: () => void bus.sendMessage('proxy:link', providerId, {requestId, offerId, v: protocolVersion, publicKey}),
			retryMs: timings.linkRetryMs,
			timeoutMs: offerTtlMs,
			timeoutError: () => new RequestTimeoutError(`the claim of offer ${offerId}`, offerTtlMs),
			onTimeout,
		});
	},

	/** `proxy:rotate`, until the provider answers with the new exit, refuses, or `rotateTimeoutMs` passes. */
	rotate(context: SlotContext, held: Held, rotateId: string, onSettled: () => void, failure?: ExitFailure): RetriedRequest {
		const {bus, timings: {retryMs, rotateTimeoutMs}} = context;
		const {providerId, leaseId} = held;
		return new RetriedRequest({
			// Each repeat is a new message: a new count and proof.
			send: () => void bus.sendMessage('proxy:rotate', providerId, {leaseId, rotateId, ...clientProof(context, held, 'proxy:rotate', failure ? [rotateId, failure.kind, failure.domain ?? ''] : [rotateId]), ...(failure ? {failure} : {})}),
			retryMs,
			timeoutMs: rotateTimeoutMs,
			timeoutError: () => new RotateError(`rotation not answered within ${rotateTimeoutMs} ms`),
			onSettled,
		});
	},

	/** `proxy:destroy`, until the provider confirms or `destroyTimeoutMs` passes; `onSettled` runs either way. */
	release(context: SlotContext, held: Held, onSettled: () => void): RetriedRequest {
		const {bus, timings: {retryMs, destroyTimeoutMs}} = context;
		const {providerId, leaseId} = held;
		return new RetriedRequest({
			send: () => void bus.sendMessage('proxy:destroy', providerId, {leaseId, ...clientProof(context, held, 'proxy:destroy', [])}),
			retryMs,
			timeoutMs: destroyTimeoutMs,
			timeoutError: () => new RequestTimeoutError(`the release of lease ${leaseId}`, destroyTimeoutMs),
			onSettled,
		});
	},
};
