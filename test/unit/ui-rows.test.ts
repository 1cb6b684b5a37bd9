import {describe, expect, it} from 'vitest';
import {avoidedExitsText} from '../../source/ui/avoided-exits-text.js';
import type {LeaseSnapshot} from '../../source/core/lease/lease-records.js';
import type {InstanceSnapshot} from '../../source/pool/pool-backend.js';
import {clientLayout} from '../../source/ui/client-layout.js';
import {clientCounts, orderSlots, selectProxyRows, waitingBanner} from '../../source/ui/client-rows.js';
import type {ClientSnapshot, SlotView} from '../../source/ui/client-snapshot.js';
import {providerLayout} from '../../source/ui/provider-layout.js';
import {heartbeatHealth, providerCounts, selectHeartbeatRows, selectInstanceRows, selectLinkRows} from '../../source/ui/provider-rows.js';
import type {ProviderSnapshot} from '../../source/ui/provider-snapshot.js';

const at = 1_000_000;
const instance = (id: string, extra: Partial<InstanceSnapshot> = {}): InstanceSnapshot => ({id, host: '127.0.0.1', port: 20_000, httpPort: 20_001, exitIp: '203.0.113.1', state: 'ready', startedAt: at - 65_000, rotations: 2, restarts: 0, ...extra});
const lease: LeaseSnapshot = {
	leaseId: 'lease-1', clientId: 'c0ffee00-1111-2222-3333-444455556666', proxyId: 'mem-0', host: '127.0.0.1', port: 20_000,
	createdAt: at - 12_000, expiresAt: at + 60_000, lastHeartbeatAt: at - 2500, heartbeats: 10, rotating: false,
};
const provider: ProviderSnapshot = {at, status: 'ready', instances: [instance('mem-0'), instance('mem-1', {state: 'starting', bootstrap: 45, exitIp: undefined}), instance('mem-2', {state: 'down'})], leases: [lease], dropped: 2, forged: 1};

describe('provider rows', () => {
	it('shows leased, bootstrap progress and down states', () => {
		const rows = selectInstanceRows(provider);
		expect(rows.map(row => 'cells' in row && row.cells[3])).toEqual([{text: 'leased', color: 'cyan'}, {text: 'starting 45%', color: 'yellow'}, {text: 'down', color: 'red'}]);
		expect('cells' in rows[0]! && rows[0].cells).toEqual(['mem-0', '20000', '20001', {text: 'leased', color: 'cyan'}, '203.0.113.1', '1m05s', '2']);
		expect('cells' in rows[2]! && rows[2].cells[5]).toBe('-');
	});

	it('shows lease age and time left', () => {
		expect(selectLinkRows(provider)).toEqual([{id: 'lease-1', cells: ['c0ffee00', 'mem-0', '12s', '1m00s']}]);
	});

	it('counts missed heartbeats and calls them ok, late or lost', () => {
		expect(heartbeatHealth(900, 1000, 5000)).toEqual({missed: 0, status: 'ok'});
		expect(heartbeatHealth(1500, 1000, 5000)).toEqual({missed: 1, status: 'ok'});
		expect(heartbeatHealth(2500, 1000, 5000)).toEqual({missed: 2, status: 'late'});
		expect(heartbeatHealth(5000, 1000, 5000)).toEqual({missed: 5, status: 'lost'});
		expect(selectHeartbeatRows(provider, {heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000})).toEqual([
			{id: 'lease-1', cells: ['c0ffee00', '2s', '2', {text: 'late', color: 'yellow'}]},
		]);
	});

	it('counts for the header', () => {
		expect(providerCounts(provider)).toBe('instances 1/3 ready · 1 leased · dropped 2 · forged 1');
	});
});

const linked: SlotView = {slotId: 's1', phase: 'linked', providerId: 'abcdef0123456789', proxy: {leaseId: 'l1', proxyId: 'mem-0', clusterId: 'abcdef0123456789', url: 'socks5h://127.0.0.1:20000', exitIp: '203.0.113.7', linkedAt: at - 65_000, expiresAt: at + 30_000, sharedExit: false, lastHeartbeatAt: at - 4000}};
const waiting: SlotView = {slotId: 's2', phase: 'requesting', wantingSince: at - 12_000};

describe('client rows', () => {
	it('shows a leased proxy, a waiting slot and a rotation in progress', () => {
		expect(selectProxyRows({slots: [linked, waiting], at}, {})).toEqual([
			{id: 's1', cells: ['socks5h://127.0.0.1:20000', '203.0.113.7', 'abcdef01', '1m05s', '30s', {text: '4s', color: 'yellow'}]},
			{id: 's2', note: {text: 'waiting for a provider… 12s', color: 'yellow'}},
		]);
		const [row] = selectProxyRows({slots: [linked], at}, {l1: {kind: 'rotating'}});
		expect(row && 'cells' in row && row.cells[1]).toEqual({text: 'rotating…', color: 'yellow'});
	});

	it('marks an exit shared with another proxy of the cluster', () => {
		const shared: SlotView = {...linked, proxy: {...linked.proxy!, sharedExit: true}};
		const [row] = selectProxyRows({slots: [shared], at}, {});
		expect(row && 'cells' in row && row.cells[1]).toEqual({text: '203.0.113.7 shared', color: 'yellow'});
	});

	it('orders the kept slots first and leaves closed ones out', () => {
		const closing: SlotView = {...linked, slotId: 's3', phase: 'closing'};
		const closed: SlotView = {...waiting, slotId: 's4', phase: 'closed'};
		expect(orderSlots([closing, linked, waiting, closed], ['s2', 's1']).map(slot => slot.slotId)).toEqual(['s2', 's1', 's3']);
	});

	it('says nobody answers only when nothing is leased, after a second', () => {
		const snapshot: ClientSnapshot = {at, status: 'ready', slots: [waiting], waitingSince: at - 12_000, dropped: 0};
		expect(waitingBanner(snapshot, 'ns1')).toBe('No provider has answered for 12s: still asking on namespace ns1');
		expect(waitingBanner({...snapshot, waitingSince: at - 200}, 'ns1')).toBeUndefined();
		expect(waitingBanner({...snapshot, slots: [linked, waiting]}, 'ns1')).toBeUndefined();
		expect(clientCounts({...snapshot, slots: [linked, waiting]}, 2)).toBe('wanted 2 · leased 1 · waiting 1 · dropped 0');
	});
});

describe('layouts', () => {
	it('fit an 80x24 screen with one line to spare', () => {
		const provider = providerLayout({columns: 80, rows: 24}, {instances: 10, leases: 10, logEntries: 50});
		expect(provider.sideBySide).toBe(true);
		// 2 header + 2 pool + 2 links + log title + footer = 8 fixed lines, 15 left of 23.
		expect(provider.poolRows + provider.leaseRows + provider.logRows).toBe(15);
		const narrow = providerLayout({columns: 60, rows: 24}, {instances: 10, leases: 10, logEntries: 50});
		expect(narrow.sideBySide).toBe(false);
		expect(narrow.poolRows + (2 * narrow.leaseRows) + narrow.logRows).toBeLessThanOrEqual(13);
		const client = clientLayout(24, {slots: 30, logEntries: 50, banner: true});
		expect(client.proxyRows + client.logRows).toBe(23 - 7);
	});

	it('use more lines when there are more', () => {
		const small = providerLayout({columns: 80, rows: 24}, {instances: 20, leases: 20, logEntries: 50});
		const tall = providerLayout({columns: 80, rows: 60}, {instances: 20, leases: 20, logEntries: 50});
		expect(tall.poolRows).toBeGreaterThan(small.poolRows);
		expect(tall.leaseRows).toBeGreaterThan(small.leaseRows);
	});
});

describe('avoided exits line', () => {
	it('lists the exits the cluster avoids, soonest free first, with kind, domain and time left', () => {
		const now = 1_000_000;
		expect(avoidedExitsText([], now)).toBeUndefined();
		expect(avoidedExitsText([
			{fingerprint: 'AAAAAAAAAAAAAAAA', kind: 'blocked', untilMs: now + 30 * 60_000},
			{fingerprint: 'BBBBBBBBBBBBBBBB', kind: 'captcha', domain: 'example.com', untilMs: now + 90_000},
		], now)).toBe('avoided exits (2): BBBBBBBB captcha (example.com) 1m30s · AAAAAAAA blocked 30m00s');
	});
});
