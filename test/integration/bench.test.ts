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
	// Shape and sanity only: on a busy machine the figures themselves can be anything.
	it('prints its figures, ends with one JSON object, and stops its redis-server', {timeout: 150_000}, async () => {
		const idle = 20;
		const result = await execa('node', [benchPath, '--clients', '4', '--idle', String(idle), '--rounds', '2', '--warmup', '1', '--rate', '200', '--skip-tor'], {reject: false, timeout: 120_000});
		expect(result.exitCode, String(result.stderr)).toBe(0);
		const lines = String(result.stdout).trim().split('\n');
		const figures = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
		expect(figures.clients).toBe(4);
		expect(figures.idleClients).toBe(idle);
		expect(figures.leases).toBe(8);
		const pairs = [
			['leaseP50Ms', 'leaseP99Ms'],
			['floorP50Ms', 'floorP99Ms'],
			['leaseP50MsSpread', 'leaseP99MsSpread'],
			['floorP50MsSpread', 'floorP99MsSpread'],
			['leaseP50MsWithIdle', 'leaseP99MsWithIdle'],
		] as const;
		for (const [p50, p99] of pairs) {
			expect(figures[p50], p50).toBeTypeOf('number');
			expect(figures[p50], p50).toBeGreaterThan(0);
			// Quantiles of the same samples: p99 is never below p50.
			expect(figures[p99], p99).toBeGreaterThanOrEqual(figures[p50] as number);
		}

		for (const key of ['redisPingP50Ms', 'spreadRatePerSecond', 'floorSpreadRatePerSecond']) {
			expect(figures[key], key).toBeTypeOf('number');
			expect(figures[key], key).toBeGreaterThan(0);
		}

		// Request, supply, link, link, destroy, its answer: never fewer. A retry after a stall adds one
		// now and then; a request reaching every client would add at least `idle` a lease.
		for (const key of ['messagesPerLease', 'messagesPerLeaseWithIdle']) {
			expect(figures[key], key).toBeGreaterThanOrEqual(6);
			expect(figures[key], key).toBeLessThan(6 + idle);
		}

		expect(lines.some(line => line.includes('floor at the same rate')), 'the open-loop floor line').toBe(true);
		const port = Number(/redis-server on redis:\/\/127\.0\.0\.1:(\d+)/.exec(lines[0]!)?.[1]);
		expect(port).toBeGreaterThan(0);
		expect(await refusesConnections(port)).toBe(true);
	});

	// The Tor part on the private network, as small as it goes: shape and sanity of the pool, rotation
	// and front figures, never their values.
	it('adds Tor pool, rotation, front and gateway figures with Tor', {timeout: 300_000}, async () => {
		const result = await execa('node', [benchPath, '--clients', '2', '--idle', '0', '--rounds', '1', '--warmup', '0', '--rate', '100', '--tors', '1', '--rotations', '1', '--connects', '5', '--front-mb', '1', '--front-connections', '4'], {reject: false, timeout: 280_000});
		expect(result.exitCode, String(result.stderr)).toBe(0);
		const lines = String(result.stdout).trim().split('\n');
		const figures = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
		expect(figures.tors).toBe(1);
		expect(figures.rotations).toBe(1);
		expect(figures.frontConnects).toBe(5);
		expect(figures.frontConcurrentConnections).toBe(4);
		for (const key of ['poolStartMs1', 'torRssMb', 'rotateP50Ms', 'frontMBps', 'directMBps', 'sinkMBps', 'frontMBpsConcurrent', 'directMBpsConcurrent', 'sinkMBpsConcurrent']) {
			expect(figures[key], key).toBeTypeOf('number');
			expect(figures[key], key).toBeGreaterThan(0);
		}

		for (const path of ['front', 'direct', 'sink']) {
			const p50 = figures[`${path}ConnectP50Ms`];
			expect(p50, path).toBeTypeOf('number');
			expect(p50, path).toBeGreaterThan(0);
			expect(figures[`${path}ConnectP99Ms`], path).toBeGreaterThanOrEqual(p50 as number);
		}

		expect(lines.some(line => line.includes('of direct')), 'the front lines').toBe(true);
		// The gateway beside the provider's front alone, in the same run.
		expect(figures.gatewayConnects).toBe(5);
		for (const key of ['gatewayMBps', 'gatewayFrontMBps', 'gatewayMBpsConcurrent', 'gatewayFrontMBpsConcurrent']) {
			expect(figures[key], key).toBeTypeOf('number');
			expect(figures[key], key).toBeGreaterThan(0);
		}

		for (const path of ['gateway', 'gatewayFront']) {
			const p50 = figures[`${path}ConnectP50Ms`];
			expect(p50, path).toBeTypeOf('number');
			expect(p50, path).toBeGreaterThan(0);
			expect(figures[`${path}ConnectP99Ms`], path).toBeGreaterThanOrEqual(p50 as number);
		}

		expect(lines.some(line => line.includes('of the front')), 'the gateway lines').toBe(true);
	});

	it('prints its options with --help', async () => {
		const result = await execa('node', [benchPath, '--help'], {reject: false});
		expect(result.exitCode).toBe(0);
		expect(String(result.stdout)).toContain('--skip-tor');
		expect(String(result.stdout)).toContain('--front-connections');
	});

	it('refuses a bad option value with one line and exit code 2', async () => {
		const result = await execa('node', [benchPath, '--clients', 'many'], {reject: false});
		expect(result.exitCode).toBe(2);
		expect(String(result.stderr).trim()).toBe('bench: --clients must be a whole number, got "many"');
	});
});
