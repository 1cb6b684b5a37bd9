import {z} from 'zod';

/**
 * The lease protocol's messages, one schema per event and direction. `docs/protocol.md` describes
 * them for implementers in other languages; keep the two in step.
 */

const id = z.uuid();
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

/** What a client needs to use and keep a leased proxy. */
export const leaseInfoSchema = z.object({
	leaseId: id,
	proxyId: z.string().min(1).max(128),
	host: z.string().min(1).max(255),
	port,
	httpPort: port.optional(),
	exitIp: z.string().max(64).optional(),
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
	/** A client claims an offer. */
	'proxy:link': z.object({requestId: id, offerId: id}),
	/** A client does not want an offer (it took another): the reservation can go. */
	'proxy:decline': z.object({offerId: id}),
	'proxy:heartbeat': z.object({leaseId: id, secret, seq: z.number().int().min(0)}),
	'proxy:destroy': z.object({leaseId: id, secret}),
	'proxy:rotate': z.object({leaseId: id, secret, rotateId: id}),
};

/** Messages a client receives. */
export const clientInbound = {
	'proxy:supply': z.object({requestId: id, offerId: id, offerTtlMs: offerMs}),
	'proxy:link': z.object({requestId: id, offerId: id, secret, lease: leaseInfoSchema}),
	'proxy:dropLink': z.object({requestId: id, offerId: id, reason: text}),
	/** `exitIp` repeats the current exit, so a lost `proxy:update` is caught up by the next answer. */
	'proxy:heartbeat': z.object({leaseId: id, seq: z.number().int().min(0), expiresInMs: ms, exitIp: z.string().max(64).optional()}),
	'proxy:destroy': z.object({leaseId: id}),
	'proxy:rotate': z.discriminatedUnion('ok', [
		z.object({ok: z.literal(true), leaseId: id, rotateId: id, lease: leaseInfoSchema, previousExitIp: z.string().max(64).optional()}),
		z.object({ok: z.literal(false), leaseId: id, rotateId: id, reason: text}),
	]),
	'proxy:leaseEnd': z.object({leaseId: id, reason: leaseEndReasonSchema}),
	/** The lease goes on but its proxy changed (for example a new exit after its exit failed). */
	'proxy:update': z.object({leaseId: id, lease: leaseInfoSchema}),
};

export type ProviderInbound = typeof providerInbound;
export type ClientInbound = typeof clientInbound;
export type ClientMessage<E extends keyof ClientInbound> = z.infer<ClientInbound[E]>;
export type ProviderMessage<E extends keyof ProviderInbound> = z.infer<ProviderInbound[E]>;
