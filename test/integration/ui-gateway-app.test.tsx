import {afterEach, describe, expect, it} from 'vitest';
import {Gateway} from '../../source/gateway/gateway.js';
import {GatewayApp} from '../../source/ui/gateway-app.js';
import {expectFits, setupInkTestbed} from '../helpers/ink.js';
import {testNamespace} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';
import {formatBytes, formatTraffic} from '../../source/ui/gateway-traffic.js';

const ink = setupInkTestbed();
const gateways: Gateway[] = [];

afterEach(async () => {
	await Promise.all(gateways.splice(0).map(async gateway => gateway.stop()));
});

/** A gateway in front of a memory pool of 3, its screen at 80x24, and two sticky sessions opened as a connection would. */
async function setup() {
	const namespace = testNamespace();
	await ink.provider(namespace, {count: 3});
	const gateway = new Gateway({redis: ink.redisUrl, namespace, httpPort: 0, socksPort: 0});
	gateways.push(gateway);
	const addresses = await gateway.start();
	let quits = 0;
	const {app, frame} = ink.render(<GatewayApp gateway={gateway} addresses={addresses} onQuit={() => {
		quits++;
	}}/>);
	for (const key of ['alpha', 'beta']) {
		// eslint-disable-next-line no-await-in-loop
		expect(await gateway.table.open({key, kind: 'sticky'})).toMatchObject({ok: true});
	}

	return {gateway, addresses, app, frame, quits: () => quits};
}

/** The session's table row (not a log line that names it). */
function rowOf(frame: string, key: string): string | undefined {
	return frame.split('\n').find(line => line.startsWith(`> ${key} `) || line.startsWith(`  ${key} `));
}

describe('the gateway screen', () => {
	it('shows where it listens and every session with its exit, fitting 80x24', async () => {
		const {gateway, addresses, frame} = await setup();
		await waitFor(() => gateway.table.list().every(session => frame().includes(session.exitIp!)) && frame().includes('2 leased'), {message: 'both sessions shown with their exits'});
		expect(frame()).toContain(`http 127.0.0.1:${addresses.httpPort} · socks5 127.0.0.1:${addresses.socksPort}`);
		expect(rowOf(frame(), 'alpha')).toMatch(/leased/);
		// No connection yet: the traffic column says so.
		expect(rowOf(frame(), 'alpha')).toContain('↓0 B ↑0 B');
		expectFits(frame(), 80, 24);
	});

	it('lists the client\'s leases, each with the session it serves or "warm", fitting 80x24', async () => {
		const namespace = testNamespace();
		await ink.provider(namespace, {count: 3});
		const gateway = new Gateway({redis: ink.redisUrl, namespace, httpPort: 0, socksPort: 0, warm: 1});
		gateways.push(gateway);
		const addresses = await gateway.start();
		const {frame} = ink.render(<GatewayApp gateway={gateway} addresses={addresses} onQuit={() => undefined}/>);
		expect(await gateway.table.open({key: 'alpha', kind: 'sticky'})).toMatchObject({ok: true});
		const leaseLine = (holder: string, exitIp: string) => frame().split('\n').find(line => line.includes(` ${holder} `) && line.includes('linked') && line.includes(exitIp));
		await waitFor(() => {
			const alpha = gateway.table.get('alpha');
			const warm = gateway.client.snapshot().find(slot => slot.proxy !== undefined && slot.proxy.leaseId !== alpha?.leaseId);
			return alpha?.exitIp !== undefined && warm?.proxy?.exitIp !== undefined && leaseLine('alpha', alpha.exitIp) && leaseLine('warm', warm.proxy.exitIp);
		}, {message: 'the session\'s lease and the warm one listed'});
		const leases = frame().slice(frame().indexOf('Leases ('));
		expect(leases).toMatch(/^Leases \(2\)/);
		expect(leases).toContain(gateway.table.get('alpha')!.leaseId!.slice(0, 8));
		expectFits(frame(), 80, 24);
	});

	it('r rotates the selected session to a new exit; d drops it; q quits', async () => {
		const {gateway, app, frame, quits} = await setup();
		// The rows are oldest first, and the first (alpha) is selected.
		await waitFor(() => rowOf(frame(), 'alpha')?.startsWith('>') && rowOf(frame(), 'beta')?.includes('leased'), {message: 'sessions shown, alpha selected'});
		const before = gateway.table.get('alpha')!.exitIp!;
		const beta = gateway.table.get('beta')!.exitIp!;
		app.stdin.write('r');
		await waitFor(() => {
			const after = gateway.table.get('alpha')?.exitIp;
			return after !== undefined && after !== before && rowOf(frame(), 'alpha')?.includes(after);
		}, {message: 'alpha rotated, its new exit shown'});
		expect(gateway.table.get('beta')?.exitIp).toBe(beta);
		app.stdin.write('d');
		await waitFor(() => gateway.table.get('alpha') === undefined && rowOf(frame(), 'alpha') === undefined, {message: 'alpha dropped'});
		expect(rowOf(frame(), 'beta')).toContain(beta);
		// The selection moves to the row that is left.
		await waitFor(() => rowOf(frame(), 'beta')?.startsWith('>'), {message: 'beta selected'});
		app.stdin.write('q');
		await waitFor(() => quits() === 1, {message: 'quit'});
	});
});

describe('the traffic column', () => {
	it('formats bytes in powers of 1000, one decimal under 10', () => {
		expect([0, 999, 1234, 56_789, 999_600, 12_345_678, 3e9].map(bytes => formatBytes(bytes))).toEqual(['0 B', '999 B', '1.2 kB', '57 kB', '1.0 MB', '12 MB', '3.0 GB']);
		expect(formatTraffic({bytesIn: 1500, bytesOut: 2_500_000})).toBe('↓2.5 MB ↑1.5 kB');
	});
});
