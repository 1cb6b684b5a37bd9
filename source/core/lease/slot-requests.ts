import type {Bus} from '../bus/bus.js';
import {RequestTimeoutError} from '../errors/request-timeout-error.js';
import {RotateError} from '../errors/rotate-error.js';
import type {ClientInbound, ProviderInbound} from './messages.js';
import {RetriedRequest} from './retried-request.js';
import type {ClientTimings} from './timings.js';

/** What a slot needs from its client: a way to send, and the client's timings. */
export type SlotContext = {
	readonly bus: Pick<Bus<ClientInbound, ProviderInbound>, 'emit' | 'sendMessage'>;
	readonly timings: ClientTimings;
	/** The bus is offline right now. */
	readonly offline: () => boolean;
};

/** The lease a request is about, and the secret that proves this client holds it. */
type Held = {readonly providerId: string; readonly leaseId: string; readonly secret: string};

/** The requests a slot sends, each repeated until answered (see RetriedRequest). */
export const slotRequests = {
	/** `proxy:request` to every provider, until a supply answers it (no deadline). */
	ask({bus, timings}: SlotContext, requestId: string): RetriedRequest {
		return new RetriedRequest({send: () => void bus.emit('proxy:request', {requestId}), retryMs: timings.requestIntervalMs});
	},

	/** `proxy:link`: claim an offer, until the link answers it or the offer runs out. */
	claim({bus, timings}: SlotContext, providerId: string, requestId: string, offerId: string, offerTtlMs: number): RetriedRequest {
		return new RetriedRequest({
			send: () => void bus.sendMessage('proxy:link', providerId, {requestId, offerId}),
			retryMs: timings.linkRetryMs,
			timeoutMs: offerTtlMs,
			timeoutError: () => new RequestTimeoutError(`the claim of offer ${offerId}`, offerTtlMs),
		});
	},

	/** `proxy:rotate`, until the provider answers with the new exit, refuses, or `rotateTimeoutMs` passes. */
	rotate({bus, timings}: SlotContext, {providerId, leaseId, secret}: Held, rotateId: string, onSettled: () => void): RetriedRequest {
		const {retryMs, rotateTimeoutMs} = timings;
		return new RetriedRequest({
			send: () => void bus.sendMessage('proxy:rotate', providerId, {leaseId, secret, rotateId}),
			retryMs,
			timeoutMs: rotateTimeoutMs,
			timeoutError: () => new RotateError(`rotation not answered within ${rotateTimeoutMs} ms`),
			onSettled,
		});
	},

	/** `proxy:destroy`, until the provider confirms or `destroyTimeoutMs` passes. */
	release({bus, timings}: SlotContext, {providerId, leaseId, secret}: Held): RetriedRequest {
		const {retryMs, destroyTimeoutMs} = timings;
		return new RetriedRequest({
			send: () => void bus.sendMessage('proxy:destroy', providerId, {leaseId, secret}),
			retryMs,
			timeoutMs: destroyTimeoutMs,
			timeoutError: () => new RequestTimeoutError(`the release of lease ${leaseId}`, destroyTimeoutMs),
		});
	},
};
