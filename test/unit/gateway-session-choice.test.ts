import {describe, expect, it} from 'vitest';
import {chooseSession, parseSessionUsername, type ChoiceRules} from '../../source/gateway/session-choice.js';
import {closeReasonOf, type SessionRecord} from '../../source/gateway/session-record.js';
import {protocolOf} from '../../source/gateway/session-ports.js';
import {gatewayFlagsSchema} from '../../source/cli/flag-schemas.js';

describe('session usernames', () => {
	it('session-<key> and session-<key>-ttl-<duration>', () => {
		expect(parseSessionUsername('session-abc')).toEqual({key: 'abc'});
		expect(parseSessionUsername('session-a-b.c_d')).toEqual({key: 'a-b.c_d'});
		expect(parseSessionUsername('session-abc-ttl-10m')).toEqual({key: 'abc', ttlMs: 600_000});
		expect(parseSessionUsername('session-x-ttl-90s')).toEqual({key: 'x', ttlMs: 90_000});
	});

	it('other usernames are no session; broken session usernames are errors', () => {
		expect(parseSessionUsername('user')).toBeUndefined();
		expect(parseSessionUsername('session-')).toHaveProperty('error');
		expect(parseSessionUsername('session-a b')).toHaveProperty('error');
		expect(parseSessionUsername(`session-${'k'.repeat(65)}`)).toHaveProperty('error');
		expect(parseSessionUsername('session-abc-ttl-10ms')).toHaveProperty('error');
	});
});

describe('choosing a connection\'s session', () => {
	let fresh = 0;
	const rules = (defaultSession: ChoiceRules['defaultSession']): ChoiceRules => ({defaultSession, sessionPorts: {first: 24_000, last: 24_001}, nextFresh: () => ++fresh});
	const input = {username: undefined, clientAddress: '127.0.0.9', localPort: 8118};

	it('a session port wins over the username', () => {
		expect(chooseSession({...input, username: 'session-a', localPort: 24_001}, rules('fresh'))).toEqual({key: ':port-24001', kind: 'sticky'});
	});

	it('a session username is sticky, with its ttl', () => {
		expect(chooseSession({...input, username: 'session-a-ttl-1h'}, rules('fresh'))).toEqual({key: 'a', kind: 'sticky', ttlMs: 3_600_000});
	});

	it('no session: the default policy', () => {
		expect(chooseSession(input, rules('shared'))).toEqual({key: ':shared', kind: 'sticky'});
		expect(chooseSession({...input, username: 'someone'}, rules('per-client'))).toEqual({key: ':client-127.0.0.9', kind: 'sticky'});
		const first = chooseSession(input, rules('fresh'));
		const second = chooseSession(input, rules('fresh'));
		expect(first).toMatchObject({kind: 'fresh'});
		expect(second).not.toEqual(first);
	});

	it('no session under `none`: asked for credentials (none given) or refused (a username that names none); session ports still serve', () => {
		expect(chooseSession(input, rules('none'))).toMatchObject({reason: 'no-credentials'});
		expect(chooseSession({...input, username: 'someone'}, rules('none'))).toMatchObject({reason: 'bad-credentials'});
		expect(chooseSession({...input, username: 'session-a'}, rules('none'))).toEqual({key: 'a', kind: 'sticky'});
		expect(chooseSession({...input, localPort: 24_000}, rules('none'))).toEqual({key: ':port-24000', kind: 'sticky'});
		expect(chooseSession({...input, username: 'session-'}, rules('fresh'))).toMatchObject({reason: 'bad-credentials'});
	});
});

describe('when a session closes', () => {
	const record = (fields: Partial<SessionRecord>): SessionRecord => ({
		choice: {key: 'a', kind: 'sticky'}, createdAt: 0, expiresAt: undefined, phase: 'leased', proxy: undefined, pending: undefined,
		waiters: 0, lastActiveAt: 0, relayed: 0, rotations: 0, moves: 0, failures: 0, detach: undefined, ...fields,
	});
	const rules = {idleMs: 10_000, freshGraceMs: 1000};

	it('sticky: after the idle time without connections; never while used', () => {
		expect(closeReasonOf(record({}), 0, 9999, rules)).toBeUndefined();
		expect(closeReasonOf(record({}), 0, 10_000, rules)).toBe('idle');
		expect(closeReasonOf(record({}), 1, 50_000, rules)).toBeUndefined();
		expect(closeReasonOf(record({waiters: 1}), 0, 50_000, rules)).toBeUndefined();
	});

	it('a ttl bounds its life even while used; fresh ones end soon after their connection', () => {
		expect(closeReasonOf(record({expiresAt: 5000}), 3, 5000, rules)).toBe('ttl');
		expect(closeReasonOf(record({choice: {key: ':fresh-1', kind: 'fresh'}}), 0, 1000, rules)).toBe('done');
		expect(closeReasonOf(record({choice: {key: ':fresh-1', kind: 'fresh'}}), 1, 1000, rules)).toBeUndefined();
	});
});

describe('gateway flags and ports', () => {
	it('sniffs SOCKS5 by its version byte', () => {
		expect(protocolOf(0x05)).toBe('socks5');
		expect(protocolOf(0x43)).toBe('http');
	});

	it('refuses to listen beyond loopback without --token', () => {
		const result = gatewayFlagsSchema.safeParse({host: '0.0.0.0'});
		expect(result.success).toBe(false);
		expect(result.error?.issues[0]?.message).toMatch(/--token/);
		expect(gatewayFlagsSchema.safeParse({host: '0.0.0.0', token: 's3cret'}).success).toBe(true);
	});

	it('reads session ports, defaults and policies', () => {
		expect(gatewayFlagsSchema.parse({sessionPorts: '24000-24099'}).sessionPorts).toEqual({first: 24_000, last: 24_099});
		expect(gatewayFlagsSchema.safeParse({sessionPorts: '24099-24000'}).success).toBe(false);
		expect(gatewayFlagsSchema.safeParse({defaultSession: 'sticky'}).success).toBe(false);
		expect(gatewayFlagsSchema.parse({defaultSession: 'none'})).toMatchObject({defaultSession: 'none'});
		// Its own ports must not collide (the default ones included), nor fall in the session ports; 0 (a free one) never does.
		expect(gatewayFlagsSchema.safeParse({port: '1080'}).error?.issues[0]?.message).toBe('--port and --socks-port are both 1080: give each its own port');
		expect(gatewayFlagsSchema.safeParse({apiPort: '24001', sessionPorts: '24000-24099'}).error?.issues[0]?.message).toBe('--api-port 24001 is inside --session-ports 24000-24099: give it a port outside that range');
		expect(gatewayFlagsSchema.safeParse({port: '0', socksPort: '0', apiPort: '0'}).success).toBe(true);
		expect(gatewayFlagsSchema.parse({})).toMatchObject({host: '127.0.0.1', defaultSession: 'fresh', sessionIdle: 600_000, leaseTimeout: 30_000, warm: 0});
	});
});
