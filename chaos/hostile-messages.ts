import {randomBytes, randomUUID} from 'node:crypto';

/** A real message seen on the bus, to replay or mutate. */
export type Captured = {readonly channel: string; readonly text: string};

/** Where hostile messages go: the live instances' own channels and the request broadcast. */
export type Targets = {readonly namespace: string; readonly providers: readonly string[]; readonly clients: readonly string[]};

export type Hostile = {readonly kind: string; readonly channel: string; readonly payload: string | Buffer};

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};

const megabyte = 1024 * 1024 - 256;

function pick<T>(list: readonly T[]): T {
	return list[Math.floor(Math.random() * list.length)]!;
}

function parse(text: string): {[key: string]: Json} | undefined {
	try {
		const value = JSON.parse(text) as Json;
		return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
	} catch {
		return undefined;
	}
}

/** Every string found in a captured message under `field` (ids and secrets to forge with). */
function harvest(captured: readonly Captured[], field: string): string[] {
	const found = new Set<string>();
	const walk = (value: Json) => {
		if (Array.isArray(value)) {
			value.forEach(walk);
		} else if (value && typeof value === 'object') {
			for (const [key, inner] of Object.entries(value)) {
				if (key === field && typeof inner === 'string') {
					found.add(inner);
				}

				walk(inner);
			}
		}
	};

	for (const {text} of captured) {
		const value = parse(text);
		if (value) {
			walk(value);
		}
	}

	return [...found];
}

const oddValues: Json[] = [null, true, 0, -1, 1e308, '', 'x', [], {}, [[]], {a: 1}, '0'.repeat(200), '\u0000', '\uFFFF', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];

/** Change one thing in a JSON value at random (a field's type, an id, a removal). */
function mutate(value: {[key: string]: Json}, ids: readonly string[]): {[key: string]: Json} {
	const copy = structuredClone(value);
	const data = copy.data && typeof copy.data === 'object' && !Array.isArray(copy.data) ? copy.data : copy;
	const keys = Object.keys(data);
	const key = keys.length > 0 ? pick(keys) : 'x';
	switch (Math.floor(Math.random() * 5)) {
		case 0: {
			data[key] = pick(oddValues);
			break;
		}

		case 1: {
			data[key] = ids.length > 0 ? pick(ids) : randomUUID();
			break;
		}

		case 2: {
			delete data[key];
			break;
		}

		case 3: {
			copy.UUID = ids.length > 0 ? pick(ids) : randomUUID();
			break;
		}

		default: {
			data.secret = randomBytes(24).toString('base64url');
		}
	}

	return copy;
}

/**
 * Hostile messages of every kind the chaos run sends: bad JSON, wrong types, 1 MB strings, deep
 * nesting, `__proto__` keys, replayed and mutated real messages, forged targets and secrets.
 * Each call returns one, drawn at random (1 MB ones rarely: they cost Redis bandwidth).
 */
export class HostileMessages {
	private readonly leaseIds: string[];
	private readonly secrets: string[];
	private readonly ids: string[];

	constructor(private readonly captured: readonly Captured[], private readonly targets: Targets) {
		this.leaseIds = harvest(captured, 'leaseId');
		this.secrets = harvest(captured, 'secret');
		this.ids = [...targets.providers, ...targets.clients, ...harvest(captured, 'offerId'), ...harvest(captured, 'requestId')];
	}

	private channel(): string {
		const {namespace, providers, clients} = this.targets;
		const roll = Math.random();
		if (roll < 0.4) {
			return `${namespace}:to:${pick(providers)}`;
		}

		if (roll < 0.8 && clients.length > 0) {
			return `${namespace}:to:${pick(clients)}`;
		}

		return `${namespace}:event:proxy:request`;
	}

	next(): Hostile {
		const channel = this.channel();
		const to = channel.includes(':to:') ? channel.slice(channel.lastIndexOf(':') + 1) : undefined;
		const envelope = (event: string, data: Json): string => JSON.stringify({event, UUID: randomUUID(), ...(to ? {to} : {}), data});
		const roll = Math.random();
		if (roll < 0.0005) {
			return {kind: '1 MB string', channel, payload: Math.random() < 0.5 ? 'x'.repeat(megabyte) : envelope('proxy:heartbeat', {leaseId: 'x'.repeat(megabyte)})};
		}

		if (roll < 0.12) {
			const garbage = [randomBytes(1 + Math.floor(Math.random() * 200)), '{"event":', '{', '[]', 'null', '"x"', '{"event":"proxy:request"', '\u0000{}', `${envelope('proxy:request', {requestId: randomUUID()})}}`];
			return {kind: 'bad JSON', channel, payload: pick(garbage)};
		}

		if (roll < 0.24) {
			const bad: Json[] = [{event: 1, UUID: randomUUID(), data: {}}, {event: 'proxy:request', UUID: 5}, {event: 'proxy:link', UUID: randomUUID(), to: to ?? null, data: 'x'}, {event: 'proxy:request', UUID: randomUUID(), data: {requestId: []}}, {event: 'proxy:heartbeat', UUID: randomUUID(), to: to ?? randomUUID(), data: {leaseId: 1, secret: {}}}, {event: 'proxy:link', UUID: randomUUID(), to: to ?? randomUUID(), data: {lease: 5, requestId: null, secret: true}}];
			return {kind: 'wrong types', channel, payload: JSON.stringify(pick(bad))};
		}

		if (roll < 0.32) {
			const depth = 2000 + Math.floor(Math.random() * 1000);
			const nested = Math.random() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
			return {kind: 'deep nesting', channel, payload: Math.random() < 0.5 ? nested : `{"event":"proxy:heartbeat","UUID":"${randomUUID()}"${to ? `,"to":"${to}"` : ''},"data":${nested}}`};
		}

		if (roll < 0.42) {
			const proto = ['{"event":"__proto__","UUID":"U","data":{}}', '{"event":"constructor","UUID":"U","data":{}}', '{"event":"proxy:request","UUID":"U","data":{"__proto__":{"polluted":true},"requestId":"R"}}', '{"__proto__":{"event":"proxy:request"},"UUID":"U"}', '{"event":"proxy:heartbeat","UUID":"U","data":{"constructor":{"prototype":{"polluted":true}},"leaseId":"R","secret":"ssssssssssssssssssss"}}', '{"event":"hasOwnProperty","UUID":"U","data":{}}'];
			return {kind: '__proto__ keys', channel, payload: pick(proto).replaceAll('"U"', `"${randomUUID()}"`).replaceAll('"R"', `"${randomUUID()}"`)};
		}

		if (this.captured.length > 0 && roll < 0.62) {
			const real = pick(this.captured);
			return Math.random() < 0.5 ? {kind: 'replayed', channel: real.channel, payload: real.text} : {kind: 'mutated', channel: real.channel, payload: JSON.stringify(mutate(parse(real.text) ?? {}, this.ids))};
		}

		// Forged targets and secrets: real lease ids with wrong secrets, real secrets under other ids, claims for others' offers.
		const leaseId = this.leaseIds.length > 0 ? pick(this.leaseIds) : randomUUID();
		const secret = this.secrets.length > 0 && Math.random() < 0.5 ? pick(this.secrets) : randomBytes(24).toString('base64url');
		const event = pick(['proxy:heartbeat', 'proxy:destroy', 'proxy:rotate', 'proxy:link', 'proxy:decline', 'proxy:leaseEnd']);
		const data: Json = {leaseId, secret, rotateId: randomUUID(), offerId: this.ids.length > 0 ? pick(this.ids) : randomUUID(), requestId: randomUUID(), reason: 'ttl'};
		const forgedTo = Math.random() < 0.2 ? randomUUID() : to;
		return {kind: 'forged targets and secrets', channel, payload: JSON.stringify({event, UUID: this.ids.length > 0 && Math.random() < 0.5 ? pick(this.ids) : randomUUID(), ...(forgedTo ? {to: forgedTo} : {}), data})};
	}
}
