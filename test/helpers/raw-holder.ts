import {randomUUID} from 'node:crypto';
import type {Bus} from '../../source/core/bus/bus.js';
import {proofFieldsOf, protocolVersion, prove, type ClientProvenEvent, type ProofField} from '../../source/core/lease/lease-proof.js';
import type {ClientInbound, ClientMessage, LeaseInfo, ProviderInbound} from '../../source/core/lease/messages.js';
import {newSealKeyPair} from '../../source/core/lease/seal.js';
import {openLink} from '../../source/core/lease/slot-proofs.js';

export type RawBus = Bus<ClientInbound, ProviderInbound>;

/** The next `event` addressed to `bus`, or a rejection after `timeoutMs`. */
export async function nextMessage<E extends keyof ClientInbound & string>(bus: RawBus, event: E, timeoutMs = 10_000): Promise<ClientMessage<E>> {
	return (await nextFrom(bus, event, timeoutMs)).data;
}

/**
 * A lease taken by hand over a raw bus (the client's half of the protocol spoken by the test), with
 * what it opened from the sealed link answer, and proven messages about it.
 */
export type RawLease = {
	readonly providerId: string;
	readonly lease: LeaseInfo;
	readonly secret: string;
	readonly credentials: {username: string; password: string};
	readonly counters: {sentN: number; heardN: number};
	/** `n` and `proof` for the next message of `event`, given its own fields (see `clientProofFields`). */
	prove(event: ClientProvenEvent, own: readonly ProofField[]): {n: number; proof: string};
};

/** The next `event` addressed to `bus`, with its sender. */
export async function nextFrom<E extends keyof ClientInbound & string>(bus: RawBus, event: E, timeoutMs = 10_000): Promise<{from: string; data: ClientMessage<E>}> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			off();
			reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
		}, timeoutMs);
		const off = bus.onceMessage(event, message => {
			clearTimeout(timer);
			resolve({from: message.from, data: message.data});
		});
	});
}

/** Request, claim (with a fresh X25519 key) and open a lease by hand. */
export async function claimByHand(bus: RawBus, {timeoutMs = 10_000} = {}): Promise<RawLease> {
	const keys = newSealKeyPair();
	const requestId = randomUUID();
	const supplied = nextFrom(bus, 'proxy:supply', timeoutMs);
	await bus.emit('proxy:request', {requestId});
	const {from: providerId, data: {offerId}} = await supplied;
	const linked = nextFrom(bus, 'proxy:link', timeoutMs);
	await bus.sendMessage('proxy:link', providerId, {requestId, offerId, v: protocolVersion, publicKey: keys.publicKey});
	const {data} = await linked;
	const opened = openLink(keys, data);
	if (!opened) {
		throw new Error('the link answer did not open');
	}

	const counters = {sentN: 0, heardN: 0};
	return {
		providerId,
		lease: data.lease,
		secret: opened.secret,
		credentials: {username: opened.username, password: opened.password},
		counters,
		prove(event, own) {
			const n = ++counters.sentN;
			return {n, proof: prove(opened.secret, proofFieldsOf({event, from: bus.id, to: providerId, leaseId: data.lease.leaseId, n}, own))};
		},
	};
}
