import {afterEach, describe, expect, it} from 'vitest';
import type {SessionView} from '../../source/gateway/session-record.js';
import {Cleanups} from '../helpers/cleanups.js';
import {standInOf} from '../helpers/exit-stand-ins.js';
import {curlVia, relayCluster} from '../helpers/gateway-relay-cluster.js';
import {nextEvent} from '../helpers/wait-for.js';

const cleanups = new Cleanups();
afterEach(async () => {
	await cleanups.run();
});

describe('a gateway session whose lease ends under it', () => {
	it('lease TTL: the session is told (lease-lost), moves to a new lease by itself (moved), and keeps relaying', async () => {
		// Leases that end 3 s after they start; a session that lives longer.
		const {gateway, httpPort} = await relayCluster(cleanups, 2, {leaseTimeoutMs: 20_000}, {leaseTtlMs: 3000});
		const first = await curlVia(`http://session-long:x@127.0.0.1:${httpPort}`);
		expect(first.status, first.stderr).toBe('200');
		const before = gateway.table.get('long');
		expect(before?.leaseId).toBeDefined();
		const lost = nextEvent<[string, string | undefined, string]>(gateway, 'lease-lost', 30_000);
		const moved = nextEvent<[SessionView, string | undefined]>(gateway, 'moved', 30_000);
		const [lostKey, lostExit, reason] = await lost;
		expect([lostKey, lostExit]).toEqual(['long', before!.exitIp]);
		expect(reason).toMatch(/ttl/i);
		const [view, previousExitIp] = await moved;
		expect(view.key).toBe('long');
		expect(previousExitIp).toBe(before!.exitIp);
		expect(view.leaseId).not.toBe(before!.leaseId);
		// Same session, new lease: requests still go through, from the session's new proxy.
		const after = await curlVia(`http://session-long:x@127.0.0.1:${httpPort}`);
		expect(after.status, after.stderr).toBe('200');
		expect(standInOf(after.body)).toBeDefined();
		expect(gateway.table.list().map(session => session.key)).toEqual(['long']);
	}, 60_000);
});
