import {inspect, isDeepStrictEqual} from 'node:util';
import {describe, expect, it} from 'vitest';
import {z} from 'zod';
import {envelopeSchema} from '../../source/core/bus/envelope.js';
import {compileFastCheck, refused} from '../../source/core/bus/fast-check.js';
import {clientInbound, leaseInfoSchema, providerInbound} from '../../source/core/lease/messages.js';

const uuid = '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e';
const uuid2 = '0f4a8c1e-2b3d-4e5f-8a9b-1c2d3e4f5a6b';
/** A 43-character base64url value: a proof, or a raw X25519 key. */
const proof = 'p'.repeat(42) + 'A';
const key = 'k'.repeat(42) + 'Q';
const lease = {leaseId: uuid, proxyId: 'tor-1', host: '127.0.0.1', port: 9050, httpPort: 9080, exitIp: '10.0.0.1', expiresInMs: 1000, ttlMs: 60_000, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000};

/** A valid example of every wire message, keyed as the schemas are. */
const valid: Record<string, unknown[]> = {
	'provider proxy:request': [{requestId: uuid}],
	'provider proxy:link': [{requestId: uuid, offerId: uuid2}, {requestId: uuid, offerId: uuid2, v: 2, publicKey: key}],
	'provider proxy:decline': [{offerId: uuid}],
	'provider proxy:heartbeat': [{leaseId: uuid, seq: 0, n: 1, proof}, {leaseId: uuid, seq: 2 ** 53 - 1, n: 2 ** 53 - 1, proof}],
	'provider proxy:destroy': [{leaseId: uuid, n: 3, proof}],
	'provider proxy:rotate': [{leaseId: uuid, rotateId: uuid2, n: 4, proof}],
	'client proxy:supply': [{requestId: uuid, offerId: uuid2, offerTtlMs: 500}],
	'client proxy:link': [{requestId: uuid, offerId: uuid2, v: 2, sealed: {epk: key, nonce: 'A'.repeat(16), box: 'b'.repeat(40)}, lease}],
	'client proxy:dropLink': [{requestId: uuid, offerId: uuid2, reason: 'taken'}],
	'client proxy:heartbeat': [{leaseId: uuid, seq: 3, expiresInMs: 100, n: 1, proof}, {leaseId: uuid, seq: 3, expiresInMs: 100, exitIp: '1.2.3.4', n: 2, proof}],
	'client proxy:destroy': [{leaseId: uuid, n: 1, proof}],
	'client proxy:rotate': [
		{ok: true, leaseId: uuid, rotateId: uuid2, lease, previousExitIp: '1.1.1.1', n: 1, proof},
		{ok: false, leaseId: uuid, rotateId: uuid2, reason: 'no exit', n: 2, proof},
	],
	'client proxy:leaseEnd': [{leaseId: uuid, reason: 'ttl', n: 5, proof}, {leaseId: uuid, reason: 'unknown-lease'}],
	'client proxy:update': [{leaseId: uuid, lease, n: 6, proof}],
	lease: [lease],
	envelope: [{event: 'proxy:request', UUID: uuid, data: {requestId: uuid}}, {event: 'x', UUID: uuid, to: uuid2}],
	extras: [{tag: 'a', list: [1, 2], maybe: null, flag: true, code: 'AB-12'}, {tag: 'b', n: 1.5, u: 'x'}],
};

/** Shapes the wire does not use today but the compiler covers: arrays, nullable, unions, strict, regex. */
const extras = z.discriminatedUnion('tag', [
	z.object({tag: z.literal('a'), list: z.array(z.number().int()).min(1).max(3), maybe: z.string().nullable(), flag: z.boolean(), code: z.string().regex(/^[A-Z]{2}-\d+$/g)}).strict(),
	z.object({tag: z.enum(['b', 'c']), n: z.number().gt(0).lt(2), u: z.union([z.literal('x'), z.number(), z.object({deep: z.string()})])}),
]);

const schemas: Record<string, z.ZodType> = {
	...Object.fromEntries(Object.entries(providerInbound).map(([event, schema]) => [`provider ${event}`, schema])),
	...Object.fromEntries(Object.entries(clientInbound).map(([event, schema]) => [`client ${event}`, schema])),
	lease: leaseInfoSchema,
	envelope: envelopeSchema,
	extras,
};

/** Values that break one rule or another: wrong types, edges of numbers and strings, junk. */
const hostile: unknown[] = [
	undefined, null, true, false, 0, -0, 1, -1, 0.5, 1.5, 3e3, 3000.0, 9050, 65_535, 65_536, 1e21, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -(2 ** 53),
	Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, 59_999.999,
	'', 'NaN', '3e3', '1', 'Infinity', 'a', 'ttl', 'destroyed', 'tor-1', 'x', 'AB-12', 'ab-12', 's'.repeat(15), 's'.repeat(16), 's'.repeat(128), 's'.repeat(129), 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(257),
	'€'.repeat(64), '𝒳'.repeat(33), uuid, uuid.toUpperCase(), `${uuid}\n`, ` ${uuid}`, '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
	'5b6c7d8e-9f0a-0b1c-8d2e-3f4a5b6c7d8e', '5b6c7d8e-9f0a-4b1c-7d2e-3f4a5b6c7d8e',
	{}, [], [1], [1, 2, 3, 4], [1.5], [undefined], {deep: 'x'}, {deep: 1}, lease, {...lease, port: 0}, {...lease, extra: {__proto__: 1}},
	JSON.parse('{"__proto__": {"admin": true}}'), JSON.parse(`{"__proto__": {"leaseId": "${uuid}"}, "leaseId": "${uuid}"}`), Object.create(null),
	{toString: 'x'}, {constructor: 1}, {length: 3}, new Date(0), /re/,
];

function* variants(sample: unknown): Generator<unknown> {
	yield sample;
	if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
		return;
	}

	yield {...sample, extra: 1};
	yield {...sample, ...JSON.parse('{"__proto__": {"polluted": true}}')};
	yield JSON.parse(JSON.stringify(sample).replace(/^\{/, '{"__proto__":{"x":1},'));
	const withNullPrototype: Record<string, unknown> = Object.assign(Object.create(null), sample);
	yield withNullPrototype;
	for (const key of Object.keys(sample)) {
		const {[key]: value, ...rest} = sample as Record<string, unknown>;
		yield rest;
		yield {...rest, [key]: undefined};
		for (const replacement of hostile) {
			yield {...rest, [key]: replacement};
		}

		for (const inner of variants(value)) {
			yield {...rest, [key]: inner};
		}
	}
}

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

const keys = ['leaseId', 'secret', 'n', 'proof', 'sealed', 'publicKey', 'v', 'seq', 'ok', 'lease', 'reason', 'tag', 'list', 'port', 'event', 'UUID', 'data', 'u', '__proto__'];

function junk(next: () => number, depth: number): unknown {
	const pick = next();
	if (depth > 3 || pick < 0.5) {
		return hostile[Math.floor(next() * hostile.length)];
	}

	if (pick < 0.6) {
		return Array.from({length: Math.floor(next() * 4)}, () => junk(next, depth + 1));
	}

	const text = `{${Array.from({length: Math.floor(next() * 6)}, () => `${JSON.stringify(keys[Math.floor(next() * keys.length)])}:${JSON.stringify(junk(next, depth + 1)) ?? 'null'}`).join(',')}}`;
	return JSON.parse(text);
}

/** Same verdict as zod; on success, the same output, key order and absent/undefined keys included. */
function expectSame(name: string, schema: z.ZodType, value: unknown): 'accepted' | 'refused' {
	const fast = compileFastCheck(schema);
	expect(fast, `${name} compiles`).toBeDefined();
	const ours = fast!(value);
	const theirs = schema.safeParse(value);
	const label = `${name}: ${inspect(value, {depth: 4})}`;
	expect(ours !== refused, label).toBe(theirs.success);
	if (theirs.success) {
		expect(isDeepStrictEqual(ours, theirs.data), label).toBe(true);
		expect(inspect(ours, {depth: 8}), label).toBe(inspect(theirs.data, {depth: 8}));
		return 'accepted';
	}

	return 'refused';
}

describe('compileFastCheck: exactly what zod says', () => {
	it('compiles every wire schema (so the bus never falls back to zod for valid messages)', () => {
		for (const [name, schema] of Object.entries(schemas)) {
			expect(compileFastCheck(schema), name).toBeDefined();
		}
	});

	it('agrees with zod on valid messages and every mutation of them', () => {
		const verdicts = {accepted: 0, refused: 0};
		for (const [name, samples] of Object.entries(valid)) {
			for (const sample of samples) {
				expect(schemas[name]!.safeParse(sample).success, `${name} sample is valid`).toBe(true);
				for (const value of variants(sample)) {
					verdicts[expectSame(name, schemas[name]!, value)]++;
				}
			}
		}

		// Both verdicts are well represented: the comparison is not trivially one-sided.
		expect(verdicts.accepted).toBeGreaterThan(200);
		expect(verdicts.refused).toBeGreaterThan(2000);
	});

	it('agrees with zod on random junk', () => {
		const next = random(42);
		for (let index = 0; index < 20_000; index++) {
			const [name, schema] = Object.entries(schemas)[index % Object.keys(schemas).length]!;
			expectSame(name, schema, junk(next, 0));
		}
	});

	it('leaves to zod what it does not know exactly', () => {
		const unknownToIt = [
			z.string().trim(),
			z.string().email(),
			z.string().url(),
			z.number().multipleOf(2),
			z.number().default(1),
			z.string().refine(value => value !== 'x'),
			z.object({a: z.string()}).refine(value => value.a !== ''),
			z.object({a: z.string()}).loose(),
			z.object({a: z.string().default('x')}),
			z.coerce.number(),
			z.string().transform(value => value.length),
			z.array(z.string().trim()),
			z.int32(),
		];
		for (const schema of unknownToIt) {
			expect(compileFastCheck(schema)).toBeUndefined();
		}
	});

	it('strips unknown keys into a fresh object, as zod does', () => {
		const input = JSON.parse(`{"__proto__": {"admin": true}, "leaseId": "${uuid}", "extra": 1}`);
		const output = compileFastCheck(clientInbound['proxy:destroy'])!(input);
		expect(output).toStrictEqual({leaseId: uuid});
		expect(output).not.toBe(input);
		expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
	});
});
