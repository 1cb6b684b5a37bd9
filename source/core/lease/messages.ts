import {z} from 'zod';
import {exitFailureKinds} from '../../tor/exit-registry.js';

/**
 * The lease protocol's messages, one schema per event and direction. `docs/protocol.md` describes
 * them for implementers in other languages; keep the two in step.
 */

const id = z.uuid();

/** What a holder reports about its exit with a rotation (optional; older providers ignore it). */
export const exitFailureSchema = z.object({kind: z.enum(exitFailureKinds), domain: z.string().min(1).max(253).optional()});
const secret = z.string().min(16).max(128);
const port = z.number().int().min(1).max(65_535);
/** Node's timers hold at most 2^31-1 ms (~24.8 days); a larger delay fires after 1 ms. */
export const maxTimerMs = 2_147_483_647;
const ms = z.number().int().min(0).max(maxTimerMs);
/** Bounds for the values a client turns into its own timers, so no provider can make it spin or stall. */
const heartbeatMs = z.number().int().min(10).max(60_000);
const heartbeatTimeoutMs = z.number().int().min(20).max(600_000);
const offerMs = z.number().int().min(0).max(60_000);
const text = z.string().max(256);
/** Counts messages about one lease in one direction: each is higher than the last (docs/protocol.md §3.5). */
const n = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** HMAC-SHA256 of the message's fields keyed with the lease secret, base64url without padding (43 characters). */
const proof = z.string().regex(/^[\w-]{43}$/);
/** A raw 32-byte X25519 public key, base64url without padding (43 characters). */
const publicKey = z.string().regex(/^[\w-]{43}$/);
/** The protocol version a peer speaks (this code: 2). */
const version = z.number().int().min(1).max(1000);
const base64url = z.string().regex(/^[\w-]*$/);

/** What `proxy:link` seals to the claim's key: `box` opens to the JSON of `sealedLeaseSchema`. */
export const sealedSchema = z.object({epk: publicKey, nonce: base64url.length(16), box: base64url.min(22).max(2048)});

/** The plaintext of a link answer's sealed box. */
export const sealedLeaseSchema = z.object({secret, username: z.string().min(1).max(255), password: z.string().min(1).max(255)});
export type SealedLease = z.infer<typeof sealedLeaseSchema>;

/** What a client needs to use and keep a leased proxy. */
export const leaseInfoSchema = z.object({
	leaseId: id,
	proxyId: z.string().min(1).max(128),
	host: z.string().min(1).max(255),
	port,
	httpPort: port.optional(),
	exitIp: z.string().max(64).optional(),
	/** True when another proxy in the cluster leaves through the same exit (too few exits); absent otherwise. */
	sharedExit: z.boolean().optional(),
	/** Lease time left when the message was sent. */
	expiresInMs: ms,
	ttlMs: ms,
	heartbeatIntervalMs: heartbeatMs,
	heartbeatTimeoutMs,
});
export type LeaseInfo = z.infer<typeof leaseInfoSchema>;

export const leaseEndReasonSchema = z.enum([
	'ttl',
	'heartbeat-timeout',
	'proxy-down',
	'provider-stopping',
	'unknown-lease',
	'destroyed',
]);
export type LeaseEndReason = z.infer<typeof leaseEndReasonSchema>;

/** Messages a provider receives. */
export const providerInbound = {
	/** Broadcast by a client that wants a proxy. */
	'proxy:request': z.object({requestId: id}),
	/**
	 * A client claims an offer, with the key the lease's secret and credentials are sealed to. A v1
	 * client sends neither `v` nor `publicKey`: it is answered `proxy:dropLink` (docs/protocol.md §7.3).
	 */
	'proxy:link': z.object({requestId: id, offerId: id, v: version.optional(), publicKey: publicKey.optional()}),
	/** A client does not want an offer (it took another): the reservation can go. */
	'proxy:decline': z.object({offerId: id}),
	'proxy:heartbeat': z.object({leaseId: id, seq: z.number().int().min(0), n, proof}),
	'proxy:destroy': z.object({leaseId: id, n, proof}),
	/** `failure`: the holder reports that the current exit failed it; the provider records it (§10.3) and rotates. */
	'proxy:rotate': z.object({leaseId: id, rotateId: id, n, proof, failure: exitFailureSchema.optional()}),
};

/** Messages a client receives. */
export const clientInbound = {
	'proxy:supply': z.object({requestId: id, offerId: id, offerTtlMs: offerMs}),
	/** The lease: its secret and front credentials sealed to the claim's key, with the lease id as context. */
	'proxy:link': z.object({requestId: id, offerId: id, v: version, sealed: sealedSchema, lease: leaseInfoSchema}),
	'proxy:dropLink': z.object({requestId: id, offerId: id, reason: text}),
	/** `exitIp` repeats the current exit, so a lost `proxy:update` is caught up by the next answer. */
	'proxy:heartbeat': z.object({leaseId: id, seq: z.number().int().min(0), expiresInMs: ms, exitIp: z.string().max(64).optional(), n, proof}),
	'proxy:destroy': z.object({leaseId: id}),
	'proxy:rotate': z.discriminatedUnion('ok', [
		z.object({ok: z.literal(true), leaseId: id, rotateId: id, lease: leaseInfoSchema, previousExitIp: z.string().max(64).optional(), n, proof}),
		z.object({ok: z.literal(false), leaseId: id, rotateId: id, reason: text, n, proof}),
	]),
	/**
	 * The lease is over. Proven (`n`, `proof`) whenever the provider knows the lease; `unknown-lease`
	 * (a lease it never had, or forgot) cannot be, and a client ignores an unproven end.
	 */
	'proxy:leaseEnd': z.object({leaseId: id, reason: leaseEndReasonSchema, n: n.optional(), proof: proof.optional()}),
	/** The lease goes on but its proxy changed (for example a new exit after its exit failed). */
	'proxy:update': z.object({leaseId: id, lease: leaseInfoSchema, n, proof}),
};

export type ProviderInbound = typeof providerInbound;
export type ClientInbound = typeof clientInbound;
export type ClientMessage<E extends keyof ClientInbound> = z.infer<ClientInbound[E]>;
export type ProviderMessage<E extends keyof ProviderInbound> = z.infer<ProviderInbound[E]>;
