import net from 'node:net';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';

/** The built benchmark, run as `npm run bench` runs it (after the build). */
const benchPath = fileURLToPath(new URL('../../dist/bench/bench.js', import.meta.url));

async function refusesConnections(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(false);
		});
		socket.once('error', () => {
			resolve(true);
		});
	});
}

describe('npm run bench (lease figures, no Tor)', () => {
	it('prints its figures, ends with one JSON object, and stops its redis-server', {timeout: 150_000}, async () => {
		const result = await execa('node', [benchPath, '--clients', '4', '--idle', '3', '--rounds', '2', '--warmup', '1', '--rate', '200', '--skip-tor'], {reject: false, timeout: 120_000});
		expect(result.exitCode, String(result.stderr)).toBe(0);
		const lines = String(result.stdout).trim().split('\n');
		const figures = JSON.parse(lines.at(-1)!) as Record<string, number>;
		expect(figures.clients).toBe(4);
		expect(figures.idleClients).toBe(3);
		expect(figures.leases).toBe(8);
		for (const key of ['leaseP50Ms', 'leaseP99Ms', 'floorP50Ms', 'floorP99Ms', 'leaseP50MsSpread', 'leaseP99MsSpread', 'redisPingP50Ms', 'leaseP50MsWithIdle']) {
			expect(figures[key], key).toBeGreaterThan(0);
		}

		expect(figures.leaseP99Ms).toBeGreaterThanOrEqual(figures.leaseP50Ms!);
		// Request, supply, link, link, destroy, its answer: no more with idle clients on the bus. (A retry
		// after a long stall could add one now and then.)
		for (const key of ['messagesPerLease', 'messagesPerLeaseWithIdle']) {
			expect(figures[key], key).toBeGreaterThanOrEqual(6);
			expect(figures[key], key).toBeLessThan(6.5);
		}

		expect(figures.spreadRatePerSecond).toBeGreaterThan(0);
		const port = Number(/redis-server on redis:\/\/127\.0\.0\.1:(\d+)/.exec(lines[0]!)?.[1]);
		expect(port).toBeGreaterThan(0);
		expect(await refusesConnections(port)).toBe(true);
	});

	it('refuses a bad option value with one line and exit code 2', async () => {
		const result = await execa('node', [benchPath, '--clients', 'many'], {reject: false});
		expect(result.exitCode).toBe(2);
		expect(String(result.stderr).trim()).toBe('bench: --clients must be a whole number, got "many"');
	});
});
