import {describe, expect, it} from 'vitest';
import {endedMemoryMs, LeaseBook} from '../../source/core/lease/lease-book.js';
import type {Offer} from '../../source/core/lease/lease-records.js';

const offer = (proxyId: string, clientId = 'c1'): Offer => ({offerId: `o-${proxyId}`, clientId, requestId: `r-${proxyId}`, proxyId, expiresAt: 0});

describe('LeaseBook', () => {
	it('finds a lease by id, by proxy and by offer, and forgets those once it ends', () => {
		const book = new LeaseBook(10_000);
		const lease = book.create(offer('p1'), 1000);
		expect(lease).toMatchObject({clientId: 'c1', proxyId: 'p1', offerId: 'o-p1', createdAt: 1000, expiresAt: 11_000, lastHeartbeatAt: 1000, heartbeats: 0});
		expect(book.get(lease.leaseId)).toBe(lease);
		expect(book.onProxy('p1')).toBe(lease);
		expect(book.fromOffer('o-p1')).toBe(lease);
		expect(book.counters.leases).toBe(1);
		expect(book.end(lease, 'destroyed', 2000)).toMatchObject({leaseId: lease.leaseId, reason: 'destroyed'});
		expect(book.end(lease, 'ttl', 2000)).toBeUndefined();
		expect([book.get(lease.leaseId), book.onProxy('p1'), book.fromOffer('o-p1'), book.isHeld(lease)]).toEqual([undefined, undefined, undefined, false]);
	});

	it('mints front credentials for every lease: unguessable, never the secret, and valid only while the lease is held', () => {
		const book = new LeaseBook(10_000);
		const first = book.create(offer('p1'), 0);
		const second = book.create(offer('p2'), 0);
		const {username, password} = first.credentials;
		expect(username).toMatch(/^nc[\w-]{16}$/);
		expect(password).toMatch(/^[\w-]{32}$/);
		expect([username, password]).not.toContain(first.secret);
		expect(second.credentials.username).not.toBe(username);
		expect(second.credentials.password).not.toBe(password);
		expect(book.grant(username, password)).toBe(first);
		expect(book.grant(username, second.credentials.password)).toBeUndefined();
		expect(book.grant(second.credentials.username, password)).toBeUndefined();
		expect(book.grant(username, `${password}x`)).toBeUndefined();
		expect(book.grant('nobody', password)).toBeUndefined();
		book.end(first, 'destroyed', 1);
		expect(book.grant(username, password)).toBeUndefined();
		expect(book.grant(second.credentials.username, second.credentials.password)).toBe(second);
	});

	it('checks the holder: proof (with the secret), client and a rising count must match, for held and lately ended leases; others are counted as forged', () => {
		const book = new LeaseBook(10_000);
		const lease = book.create(offer('p1'), 0);
		const right = (secret: string) => secret === lease.secret;
		const wrong = () => false;
		expect(book.check('c1', lease.leaseId, 1, right)).toEqual({kind: 'held', lease});
		expect(book.check('c1', lease.leaseId, 2, wrong)).toEqual({kind: 'forged'});
		expect(book.check('c2', lease.leaseId, 3, right)).toEqual({kind: 'forged'});
		// A replay: proven, but its count was seen already.
		expect(book.check('c1', lease.leaseId, 1, right)).toEqual({kind: 'forged'});
		expect(book.check('c2', 'never-known', 1, right)).toEqual({kind: 'unknown'});
		const ended = book.end(lease, 'heartbeat-timeout', 100);
		expect(book.check('c1', lease.leaseId, 2, right)).toEqual({kind: 'ended', ended});
		expect(ended).toMatchObject({reason: 'heartbeat-timeout', heardN: 2});
		expect(book.check('c2', lease.leaseId, 3, right)).toEqual({kind: 'forged'});
		expect(book.counters.forged).toBe(4);
		book.forgetEnded(100 + endedMemoryMs);
		expect(book.check('c1', lease.leaseId, 3, right)).toMatchObject({kind: 'ended'});
		book.forgetEnded(101 + endedMemoryMs);
		expect(book.check('c2', lease.leaseId, 4, right)).toEqual({kind: 'unknown'});
	});

	it('says which leases are due: TTL first, heartbeat timeouts only when it can hear heartbeats', () => {
		const book = new LeaseBook(10_000);
		const old = book.create(offer('p1'), 0);
		const quiet = book.create(offer('p2'), 5000);
		const live = book.create(offer('p3'), 5000);
		book.heard(live, 9000);
		const due = (now: number, timeout?: number) => book.due(now, timeout).map(({lease, reason}) => [lease.proxyId, reason]);
		expect(due(10_000, 3000)).toEqual([['p1', 'ttl'], ['p2', 'heartbeat-timeout']]);
		expect(due(10_000, undefined)).toEqual([['p1', 'ttl']]);
		// Back online: every lease counts as heard from now.
		book.heardAll(10_000);
		expect(due(12_000, 3000)).toEqual([['p1', 'ttl']]);
		expect(due(13_001, 3000)).toEqual([['p1', 'ttl'], ['p2', 'heartbeat-timeout'], ['p3', 'heartbeat-timeout']]);
		expect([old, quiet, live].every(lease => book.isHeld(lease))).toBe(true);
	});
});
