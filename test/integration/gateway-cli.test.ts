import {afterEach, describe, expect, it} from 'vitest';
import {Gateway} from '../../source/gateway/gateway.js';
import {Cleanups} from '../helpers/cleanups.js';
import {runCli, startCli, stopAllClis} from '../helpers/cli.js';
import {startTestRedis, testNamespace} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';

const cleanups = new Cleanups();
afterEach(async () => {
	await stopAllClis();
	await cleanups.run();
});

async function redisUrl(): Promise<string> {
	const redis = await startTestRedis();
	cleanups.add(async () => redis.stop());
	return redis.url;
}

describe('nightcrawler gateway', () => {
	it('without a terminal prints JSON lines, the first saying where it listens; the API answers; SIGTERM stops it with 143', async () => {
		const url = await redisUrl();
		const gateway = startCli(['gateway', '--redis', url, '--namespace', testNamespace(), '--port', '0', '--socks-port', '0', '--api-port', '0']);
		const first = JSON.parse(await gateway.stdout.waitForLine(() => true, {timeoutMs: 20_000})) as {event: string; httpPort: number; socksPort: number; apiPort: number; host: string};
		expect(first).toMatchObject({event: 'listening', host: '127.0.0.1'});
		expect(first.httpPort).toBeGreaterThan(0);
		expect(first.socksPort).toBeGreaterThan(0);
		const health = await fetch(`http://127.0.0.1:${first.apiPort}/health`);
		expect(health.status).toBe(200);
		expect(await health.json()).toMatchObject({status: 'ok', sessions: 0});
		const result = await gateway.stop('SIGTERM');
		expect(result.exitCode ?? 128 + 15).toBe(143);
		expect(gateway.stdout.lines.some(line => line.includes('"event":"stopped"'))).toBe(true);
	});

	it('refuses to listen beyond loopback without --token, in one line, exit code 2', async () => {
		const result = await runCli(['gateway', '--host', '0.0.0.0']);
		expect(result.exitCode).toBe(2);
		expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
		expect(String(result.stderr)).toMatch(/--token/);
	});

	it('a provider SIGKILLed under live sessions: they move to new exits and the gateway keeps serving', async () => {
		const url = await redisUrl();
		const namespace = testNamespace();
		const providers = [0, 1].map(() => startCli(['provider', '--redis', url, '--namespace', namespace, '--backend', 'memory', '--tors', '3', '--format', 'json']));
		await Promise.all(providers.map(async provider => provider.stdout.waitForLines(line => line.includes('"instance-ready"'), {count: 3, timeoutMs: 30_000})));
		const gateway = new Gateway({redis: url, namespace, httpPort: 0, socksPort: 0, leaseTimeoutMs: 30_000, clientTimings: {requestIntervalMs: 200}});
		cleanups.add(async () => gateway.stop());
		await gateway.start();
		const moved: string[] = [];
		gateway.on('moved', view => moved.push(view.key));
		const keys = ['a', 'b', 'c'];
		for (const key of keys) {
			// eslint-disable-next-line no-await-in-loop
			expect((await gateway.table.open({key, kind: 'sticky'})).ok).toBe(true);
		}

		// Kill the provider holding the most sessions.
		const byProvider = new Map<string, number>();
		for (const session of gateway.table.list()) {
			byProvider.set(session.providerId!, (byProvider.get(session.providerId!) ?? 0) + 1);
		}

		const victimId = [...byProvider.entries()].sort((a, b) => b[1] - a[1])[0]![0];
		const victim = providers.find(provider => provider.stdout.text.includes(victimId))!;
		const hit = gateway.table.list().filter(session => session.providerId === victimId).map(session => session.key);
		victim.subprocess.kill('SIGKILL');
		await waitFor(() => hit.every(key => moved.includes(key)), {timeoutMs: 45_000, message: 'the sessions of the killed provider moved'});
		const sessions = gateway.table.list();
		expect(sessions.map(session => session.key).sort()).toEqual(keys);
		expect(sessions.every(session => session.phase === 'leased' && session.providerId !== victimId)).toBe(true);
		expect(new Set(sessions.map(session => session.exitIp)).size).toBe(3);
		// Still serving: with one session dropped, a new one gets its lease.
		gateway.table.drop('a');
		expect((await gateway.table.open({key: 'd', kind: 'sticky'})).ok).toBe(true);
	}, 120_000);
});
