import {compileFastCheck, refused} from '../bus/fast-check.js';
import {SealError} from '../errors/seal-error.js';
import {proofFieldsOf, proven, type ProofField, type ProviderProvenEvent} from './lease-proof.js';
import {sealedLeaseSchema, type ClientMessage, type SealedLease} from './messages.js';
import {open, type SealKeyPair} from './seal.js';
import type {ProofCounters} from './slot-requests.js';

/** The sealed box's plaintext checked without zod (as the bus checks messages); zod has the last word on a refusal. */
const sealedLeaseCheck = compileFastCheck(sealedLeaseSchema);

/**
 * Open a link answer's sealed box with the slot's key (the lease id is the context): the lease's
 * secret and front credentials, or undefined when it was not sealed to this key, was changed, or
 * does not hold what it should.
 */
export function openLink(keys: SealKeyPair, data: ClientMessage<'proxy:link'>): SealedLease | undefined {
	let text: string;
	try {
		text = open(data.sealed, keys, data.lease.leaseId);
	} catch (error) {
		if (error instanceof SealError) {
			return undefined;
		}

		throw error;
	}

	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return undefined;
	}

	const fast = sealedLeaseCheck?.(parsed);
	if (fast !== undefined && fast !== refused) {
		// Exact to the schema (see FastCheck): what it accepts is the schema's output.
		return fast as SealedLease;
	}

	const result = sealedLeaseSchema.safeParse(parsed);
	return result.success ? result.data : undefined;
}

/** What a provider's message about a held lease is checked against. */
export type ProofCheck = {
	readonly event: ProviderProvenEvent;
	/** The provider (sender) and this client (recipient). */
	readonly from: string;
	readonly to: string;
	readonly secret: string;
	readonly counters: ProofCounters;
};

/**
 * Whether a provider's message proves the lease's secret with a count higher than any accepted
 * before (docs/protocol.md §3.5); if so the count is kept. A message without proof fails.
 */
export function acceptProven(check: ProofCheck, data: {leaseId: string; n?: number; proof?: string}, own: readonly ProofField[]): boolean {
	const {n, proof} = data;
	if (n === undefined || proof === undefined || n <= check.counters.heardN) {
		return false;
	}

	const fields = proofFieldsOf({event: check.event, from: check.from, to: check.to, leaseId: data.leaseId, n}, own);
	if (!proven(check.secret, fields, proof)) {
		return false;
	}

	check.counters.heardN = n;
	return true;
}
