import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {isAlive, startCli, stopAllClis} from '../helpers/cli.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';

const isEvent = (name: string) => (line: string) => line.startsWith(`{"event":"${name}"`);
const leaseEnded = /^nightcrawler: the lease of socks5h:\/\/127\.0\.0\.1:\d+ ended \(ttl\) while \S+ ran$/;

describe('nightcrawler run when a lease ends while the command runs (in-memory pool, 2 s leases)', () => {
	let redis: RedisServer;
	let bus: string[];

	beforeAll(async () => {
		redis = await startTestRedis();
	});

	afterAll(async () => {
		await redis?.stop();
	});

	beforeEach(async () => {
		bus = ['--redis', redis.url, '--namespace', testNamespace()];
		const provider = startCli(['provider', '--backend', 'memory', '--tors', '2', '--lease-ttl', '2s', ...bus, '--format', 'json']);
		await provider.stdout.waitForLines(isEvent('instance-ready'), {count: 2});
	});

	afterEach(async () => {
		await stopAllClis();
	});

	it('stops the command, says why in one line, and exits 1', async () => {
		const run = startCli(['run', '--count', '2', ...bus, '--', 'sh', '-c', 'echo $$; exec sleep 60']);
		const pid = Number(await run.stdout.waitForLine(line => /^\d+$/.test(line)));
		const result = await run.exited;
		expect(result.exitCode).toBe(1);
		expect(run.stderr.lines).toEqual([expect.stringMatching(leaseEnded)]);
		expect(run.stderr.text).toContain('while sh ran');
		expect(isAlive(pid)).toBe(false);
	}, 20_000);

	it('kills a command that ignores SIGTERM, after the grace period', async () => {
		const ignore = 'process.on("SIGTERM", () => console.log("ignoring SIGTERM")); console.log(process.pid); setInterval(() => {}, 1000);';
		const run = startCli(['run', ...bus, '--', process.execPath, '-e', ignore]);
		const pid = Number(await run.stdout.waitForLine(line => /^\d+$/.test(line)));
		await run.stdout.waitForLine(line => line === 'ignoring SIGTERM', {timeoutMs: 10_000});
		const result = await run.exited;
		expect(result.exitCode).toBe(1);
		expect(run.stderr.lines).toEqual([expect.stringMatching(leaseEnded)]);
		expect(isAlive(pid)).toBe(false);
	}, 30_000);
});
