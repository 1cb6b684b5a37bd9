import {createHmac, timingSafeEqual} from 'node:crypto';
import type {ClientMessage, LeaseInfo, ProviderMessage} from './messages.js';

/**
 * Proof that a message about a lease comes from someone who knows the lease's secret, without
 * sending the secret (docs/protocol.md §3.5):
 *
 *     proof = base64url(HMAC-SHA256(key = UTF-8(secret), message = bytes(fields)))
 *
 * `fields` are [label, event, from, to, leaseId, n, ...the event's own fields]; each is encoded as
 * a 4-byte big-endian length then that many bytes: a string as its UTF-8 bytes, a number as its
 * decimal digits (every number here is a safe integer), a boolean as `true`/`false`; an absent
 * optional field is the length 0xFFFFFFFF and no bytes. `from` and `to` are the sender's and the
 * recipient's bus ids, so a message cannot be redirected or reflected; `n` counts up on each
 * message about the lease in that direction, so an old one cannot be replayed.
 */
export const proofLabel = 'nightcrawler proof v1';

export type ProofField = string | number | boolean | undefined;

/** The protocol version this code speaks (the claim and the link answer carry it). */
export const protocolVersion = 2;

/** The bytes a proof covers, written into one buffer (a proof goes with every heartbeat and destroy). */
export function proofBytes(fields: readonly ProofField[]): Buffer {
	const texts: Array<string | undefined> = [];
	let size = 0;
	for (const field of fields) {
		const text = field === undefined ? undefined : (typeof field === 'string' ? field : String(field));
		texts.push(text);
		size += 4 + (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
	}

	const bytes = Buffer.allocUnsafe(size);
	let offset = 0;
	for (const text of texts) {
		if (text === undefined) {
			offset = bytes.writeUInt32BE(0xFF_FF_FF_FF, offset);
			continue;
		}

		const length = bytes.write(text, offset + 4, 'utf8');
		bytes.writeUInt32BE(length, offset);
		offset += 4 + length;
	}

	return bytes;
}

export function prove(secret: string, fields: readonly ProofField[]): string {
	return createHmac('sha256', Buffer.from(secret, 'utf8')).update(proofBytes(fields)).digest('base64url');
}

/** Whether `proof` is right for these fields (compared in constant time). */
export function proven(secret: string, fields: readonly ProofField[], proof: string): boolean {
	const expected = Buffer.from(prove(secret, fields), 'utf8');
	const presented = Buffer.from(proof, 'utf8');
	return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Who sent a message to whom, about which lease, with which count. */
export type ProofHeader = {readonly event: string; readonly from: string; readonly to: string; readonly leaseId: string; readonly n: number};

/** The lease info fields, in the order the proofs cover them. */
export function leaseInfoFields(lease: LeaseInfo): ProofField[] {
	return [lease.leaseId, lease.proxyId, lease.host, lease.port, lease.httpPort, lease.exitIp, lease.expiresInMs, lease.ttlMs, lease.heartbeatIntervalMs, lease.heartbeatTimeoutMs];
}

type Unproven<T> = T extends unknown ? Omit<T, 'n' | 'proof'> : never;

/** What a client's message proves, by event (client → provider). */
export const clientProofFields = {
	'proxy:heartbeat': (data: Unproven<ProviderMessage<'proxy:heartbeat'>>): ProofField[] => [data.seq],
	'proxy:destroy': (_data: Unproven<ProviderMessage<'proxy:destroy'>>): ProofField[] => [],
	// A failure report is bound too, so nobody can add one to a holder's rotation in flight.
	'proxy:rotate': (data: Unproven<ProviderMessage<'proxy:rotate'>>): ProofField[] => (data.failure ? [data.rotateId, data.failure.kind, data.failure.domain ?? ''] : [data.rotateId]),
};

/** What a provider's message proves, by event (provider → client). */
export const providerProofFields = {
	'proxy:heartbeat': (data: Unproven<ClientMessage<'proxy:heartbeat'>>): ProofField[] => [data.seq, data.expiresInMs, data.exitIp],
	'proxy:leaseEnd': (data: Unproven<ClientMessage<'proxy:leaseEnd'>>): ProofField[] => [data.reason],
	'proxy:update': (data: Unproven<ClientMessage<'proxy:update'>>): ProofField[] => leaseInfoFields(data.lease),
	'proxy:rotate': (data: Unproven<ClientMessage<'proxy:rotate'>>): ProofField[] => (data.ok
		? [true, data.rotateId, ...leaseInfoFields(data.lease), data.previousExitIp]
		: [false, data.rotateId, data.reason]),
};

export type ClientProvenEvent = keyof typeof clientProofFields;
export type ProviderProvenEvent = keyof typeof providerProofFields;

/** The full field list of a proof: the header, then the event's own fields. */
export function proofFieldsOf(header: ProofHeader, own: readonly ProofField[]): ProofField[] {
	return [proofLabel, header.event, header.from, header.to, header.leaseId, header.n, ...own];
}
