import {describe, expect, it} from 'vitest';
import {Ledger, type Party} from '../../chaos/ledger.js';

const provider: Party = {name: 'provider-1', role: 'provider'};
const a: Party = {name: 'client-a', role: 'client'};
const b: Party = {name: 'client-b', role: 'client'};

function hold(ledger: Ledger, client: Party, key: string, leaseId: string, t: number): void {
	ledger.take(client, {e: 'hold', t, key, leaseId});
}

function end(ledger: Ledger, client: Party, leaseId: string, t: number, why = 'destroy'): void {
	ledger.take(client, {e: 'end', t, leaseId, why});
}

// The chaos run's verdicts rest on this bookkeeping: it must see a double lease when there is one.
describe('the chaos ledger', () => {
	it('counts no double lease when one client gives a proxy back before the next gets it', () => {
		const ledger = new Ledger();
		hold(ledger, a, 'P/mem-0', 'l1', 100);
		end(ledger, a, 'l1', 200);
		hold(ledger, b, 'P/mem-0', 'l2', 200);
		hold(ledger, b, 'P/mem-1', 'l3', 150);
		expect(ledger.doubleLeases(1000)).toEqual([]);
		expect(ledger.served).toBe(3);
		expect(ledger.held()).toBe(2);
		expect(ledger.held([a])).toBe(0);
	});

	it('finds two clients holding one proxy at once, and a holding never ended', () => {
		const ledger = new Ledger();
		hold(ledger, a, 'P/mem-0', 'l1', 100);
		hold(ledger, b, 'P/mem-0', 'l2', 150);
		end(ledger, a, 'l1', 300, 'down: silent');
		expect(ledger.doubleLeases(1000)).toEqual([{key: 'P/mem-0', first: 'client-a l1', second: 'client-b l2', overlapMs: 150}]);
		expect(ledger.lostBecause.get('down: silent')).toBe(1);
		// Still on at the end: b's holding overlaps any later one.
		hold(ledger, a, 'P/mem-0', 'l3', 900);
		expect(ledger.doubleLeases(1000)).toHaveLength(2);
	});

	it('ends a killed client\'s holdings at the moment it was killed', () => {
		const ledger = new Ledger();
		hold(ledger, a, 'P/mem-0', 'l1', 100);
		ledger.clientGone(a, 400);
		hold(ledger, b, 'P/mem-0', 'l2', 400);
		expect(ledger.doubleLeases(1000)).toEqual([]);
		const early = new Ledger();
		hold(early, a, 'P/mem-0', 'l1', 100);
		early.clientGone(a, 400);
		hold(early, b, 'P/mem-0', 'l2', 399);
		expect(early.doubleLeases(1000)).toHaveLength(1);
	});

	it('finds a provider leasing a proxy whose lease is still active', () => {
		const ledger = new Ledger();
		ledger.take(provider, {e: 'leased', t: 1, proxyId: 'mem-0', leaseId: 'l1', clientId: 'A'});
		ledger.take(provider, {e: 'released', t: 2, proxyId: 'mem-0', leaseId: 'l1', clientId: 'A'});
		ledger.take(provider, {e: 'leased', t: 3, proxyId: 'mem-0', leaseId: 'l2', clientId: 'B'});
		expect(ledger.providerDoubles).toEqual([]);
		ledger.take(provider, {e: 'leased', t: 4, proxyId: 'mem-0', leaseId: 'l3', clientId: 'C'});
		expect(ledger.providerDoubles).toEqual(['provider-1: mem-0 leased as l3 while l2 was active']);
	});
});
