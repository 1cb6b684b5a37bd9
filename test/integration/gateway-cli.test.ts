import {execa} from 'execa';
import {afterEach, describe, expect, it} from 'vitest';
import {Cleanups} from '../helpers/cleanups.js';
import {startExitStandIns, standInOf} from '../helpers/exit-stand-ins.js';
import {runCli, startCli, stopAllClis} from '../helpers/cli.js';
import {startTestRedis, testNamespace} from '../helpers/redis.js';

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
		// It handled the signal and exited by its own shutdown path (not killed by it).
		expect(result.signal).toBeUndefined();
		expect(result.exitCode).toBe(143);
		expect(gateway.stdout.lines.some(line => line.includes('"event":"stopped"'))).toBe(true);
	});

	it('refuses to listen beyond loopback without --token, in one line, exit code 2', async () => {
		const result = await runCli(['gateway', '--host', '0.0.0.0']);
		expect(result.exitCode).toBe(2);
		expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
		expect(String(result.stderr)).toMatch(/--token/);
	});

	it('a provider SIGKILLed under live sessions: they move to new exits (session-moved lines), the gateway relays through the new ones and keeps serving', async () => {
		const url = await redisUrl();
		const namespace = testNamespace();
		// Each provider's three memory proxies are stand-in exits, so requests really pass through them.
		const standIns = await Promise.all([0, 1].map(async () => startExitStandIns(3)));
		for (const each of standIns) {
			cleanups.add(async () => each.close());
		}

		const providers = standIns.map(each => startCli(['provider', '--redis', url, '--namespace', namespace, '--backend', 'memory', '--tors', '3', '--base-port', String(each.basePort), '--format', 'json']));
		await Promise.all(providers.map(async provider => provider.stdout.waitForLines(line => line.includes('"instance-ready"'), {count: 3, timeoutMs: 30_000})));
		const gateway = startCli(['gateway', '--redis', url, '--namespace', namespace, '--port', '0', '--socks-port', '0', '--api-port', '0', '--lease-timeout', '30s']);
		const {httpPort, apiPort} = JSON.parse(await gateway.stdout.waitForLine(line => line.includes('"listening"'), {timeoutMs: 20_000})) as {httpPort: number; apiPort: number};
		const via = async (key: string) => {
			const result = await execa('curl', ['-sS', '--max-time', '40', '-x', `http://session-${key}:x@127.0.0.1:${httpPort}`, 'http://exit.test/'], {reject: false});
			const port = standInOf(result.stdout);
			expect(port, `${result.stdout} ${String(result.stderr)}`).toBeDefined();
			return port!;
		};

		const keys = ['a', 'b', 'c'];
		const before = new Map<string, number>();
		for (const key of keys) {
			// eslint-disable-next-line no-await-in-loop
			before.set(key, await via(key));
		}

		const sessions = async () => await (await fetch(`http://127.0.0.1:${apiPort}/sessions`)).json() as Array<{key: string; providerId: string; exitIp: string; phase: string}>;
		// Kill the provider holding the most sessions.
		const byProvider = new Map<string, number>();
		for (const session of await sessions()) {
			byProvider.set(session.providerId, (byProvider.get(session.providerId) ?? 0) + 1);
		}

		const victimId = [...byProvider.entries()].sort((a, b) => b[1] - a[1])[0]![0];
		const victimIndex = providers.findIndex(provider => provider.stdout.text.includes(victimId));
		expect(victimIndex).not.toBe(-1);
		const survivorPorts = standIns[1 - victimIndex]!.ports;
		const hit = (await sessions()).filter(session => session.providerId === victimId);
		expect(hit.length).toBeGreaterThanOrEqual(2);
		// Their requests went through the victim's stand-ins so far.
		for (const session of hit) {
			expect(standIns[victimIndex]!.ports).toContain(before.get(session.key));
		}

		const from = gateway.stdout.lines.length;
		providers[victimIndex]!.subprocess.kill('SIGKILL');
		const movedLines = await gateway.stdout.waitForLines(line => line.includes('"session-moved"'), {from, count: hit.length, timeoutMs: 45_000});
		const moved = movedLines.map(line => JSON.parse(line) as {key: string; previousExitIp: string; exitIp: string; provider: string});
		expect(moved.map(entry => entry.key).sort()).toEqual(hit.map(session => session.key).sort());
		for (const entry of moved) {
			const previous = hit.find(session => session.key === entry.key)!;
			expect(entry.previousExitIp).toBe(previous.exitIp);
			expect(entry.exitIp).not.toBe(entry.previousExitIp);
			expect(entry.provider).not.toBe(victimId);
		}

		// Requests of the moved sessions now really leave through the surviving provider's proxies.
		for (const entry of moved) {
			// eslint-disable-next-line no-await-in-loop
			expect(survivorPorts).toContain(await via(entry.key));
		}

		const after = await sessions();
		expect(after.map(session => session.key).sort()).toEqual(keys);
		expect(after.every(session => session.phase === 'leased' && session.providerId !== victimId)).toBe(true);
		expect(new Set(after.map(session => session.exitIp)).size).toBe(3);
		// Still serving: with one session dropped, a new one gets its lease and relays.
		expect((await fetch(`http://127.0.0.1:${apiPort}/sessions/a`, {method: 'DELETE'})).status).toBe(200);
		expect(survivorPorts).toContain(await via('d'));
		expect((await gateway.stop('SIGTERM')).exitCode).toBe(143);
	}, 120_000);
});
