import {describe, expect, it} from 'vitest';
import {Channels} from '../../source/core/bus/channels.js';
import {envelopeSchema, isPlainEnvelope} from '../../source/core/bus/envelope.js';
import {clientInbound, providerInbound} from '../../source/core/lease/messages.js';

const uuid = '7d7b1b0e-5c1a-4f8e-9d7e-2f8a1c3b4d5e';

describe('envelope', () => {
	it('accepts the documented shape and refuses extra keys and bad ids', () => {
		expect(envelopeSchema.safeParse({event: 'proxy:request', UUID: uuid, data: {requestId: uuid}}).success).toBe(true);
		expect(envelopeSchema.safeParse({event: 'proxy:request', UUID: uuid, extra: 1}).success).toBe(false);
		expect(envelopeSchema.safeParse({event: 'proxy:request', UUID: 'nope'}).success).toBe(false);
		expect(envelopeSchema.safeParse({event: '', UUID: uuid}).success).toBe(false);
	});

	it('the fast check (without zod) agrees with the schema, and never accepts what the schema refuses', () => {
		const other = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
		const base = {event: 'proxy:link', UUID: uuid, to: other, data: {requestId: uuid}};
		const cases: unknown[] = [
			base,
			{event: 'proxy:request', UUID: uuid},
			{event: 'x', UUID: '00000000-0000-0000-0000-000000000000', data: null},
			{...base, UUID: uuid.toUpperCase()},
			{...base, event: 'e'.repeat(64)},
			{...base, event: 'e'.repeat(65)},
			{...base, event: ''},
			{...base, event: 7},
			{...base, UUID: `${uuid}0`},
			{...base, UUID: '7d7b1b0e-5c1a-9f8e-9d7e-2f8a1c3b4d5e'},
			{...base, to: null},
			{...base, to: 'nope'},
			{...base, extra: 1},
			{event: 'proxy:link', to: other},
			{UUID: uuid, data: 1},
			JSON.parse(`{"event":"e","UUID":"${uuid}","__proto__":{"x":1}}`),
			JSON.parse(`{"event":"e","UUID":"${uuid}","constructor":1}`),
			[base],
			null,
			'proxy:link',
			42,
		];
		for (const value of cases) {
			expect(isPlainEnvelope(value), JSON.stringify(value)).toBe(envelopeSchema.safeParse(value).success);
		}
	});

	it('builds channel names under the namespace', () => {
		const channels = new Channels('ns');
		expect(channels.broadcast('proxy:request')).toBe('ns:event:proxy:request');
		expect(channels.direct(uuid)).toBe(`ns:to:${uuid}`);
	});

	it('message schemas refuse short proofs and out-of-range ports', () => {
		expect(providerInbound['proxy:heartbeat'].safeParse({leaseId: uuid, seq: 1, n: 1, proof: 'short'}).success).toBe(false);
		const lease = {leaseId: uuid, proxyId: 'p', host: 'h', port: 70_000, expiresInMs: 1, ttlMs: 1, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000};
		const proof = 'x'.repeat(43);
		expect(clientInbound['proxy:update'].safeParse({leaseId: uuid, lease, n: 1, proof}).success).toBe(false);
		expect(clientInbound['proxy:update'].safeParse({leaseId: uuid, lease: {...lease, port: 9050}, n: 1, proof}).success).toBe(true);
	});
});

describe('provider timings', () => {
	it('refuses values the wire cannot carry and inconsistent heartbeats, in one line', async () => {
		const {validateProviderTimings, defaultProviderTimings} = await import('../../source/core/lease/timings.js');
		expect(() => validateProviderTimings({...defaultProviderTimings, leaseTtlMs: 32 * 24 * 3600 * 1000})).toThrow(/^invalid provider timing leaseTtlMs: /);
		expect(() => validateProviderTimings({...defaultProviderTimings, heartbeatIntervalMs: 3000, heartbeatTimeoutMs: 4000})).toThrow(/twice/);
		expect(validateProviderTimings(defaultProviderTimings)).toEqual(defaultProviderTimings);
	});
});

describe('wire bounds on timings a client turns into timers', () => {
	it('refuses heartbeat intervals and offer times no client should obey', () => {
		const lease = {leaseId: uuid, proxyId: 'p', host: 'h', port: 9050, expiresInMs: 1, ttlMs: 1, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000};
		expect(clientInbound['proxy:update'].safeParse({leaseId: uuid, lease: {...lease, heartbeatIntervalMs: 2_678_400_000}}).success).toBe(false);
		expect(clientInbound['proxy:update'].safeParse({leaseId: uuid, lease: {...lease, heartbeatIntervalMs: 1}}).success).toBe(false);
		expect(clientInbound['proxy:supply'].safeParse({requestId: uuid, offerId: uuid, offerTtlMs: 3_600_000}).success).toBe(false);
		expect(clientInbound['proxy:supply'].safeParse({requestId: uuid, offerId: uuid, offerTtlMs: 3000}).success).toBe(true);
	});
});
