import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {Redis} from 'ioredis';
import {afterEach, describe, expect, it} from 'vitest';
import {embeddedProviderUser} from '../../source/redis/acl-users.js';
import {isPortFree} from '../../source/util/free-port.js';
import {Cleanups} from '../helpers/cleanups.js';
import {isAlive, startCli, stopAllClis} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait-for.js';

const cleanups = new Cleanups();
afterEach(async () => {
	await stopAllClis();
	await cleanups.run();
});

async function connect(url: string): Promise<Redis> {
	const redis = new Redis(url, {lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null});
	redis.on('error', () => undefined);
	cleanups.add(async () => {
		redis.disconnect();
	});
	await redis.connect();
	return redis;
}

describe('the embedded redis-server', () => {
	it('has the two role users: clients with no flags as its default user, providers as nightcrawler-provider with a 0600 password file', async context => {
		if (!(await isPortFree(6379, '127.0.0.1'))) {
			context.skip('something already listens on 127.0.0.1:6379, so the provider would use it instead of starting its own');
		}

		const runtime = await mkdtemp(path.join(os.tmpdir(), 'nc-acl-'));
		cleanups.add(async () => rm(runtime, {recursive: true, force: true}));
		const env = {XDG_RUNTIME_DIR: runtime};
		const provider = startCli(['provider', '--backend', 'memory', '--format', 'json'], {env});
		let redisPid: number | undefined;
		cleanups.add(() => {
			if (redisPid !== undefined && isAlive(redisPid)) {
				process.kill(redisPid, 'SIGKILL');
			}
		});
		const notice = await provider.stderr.waitForLine(line => line.includes('started a private redis-server'));
		redisPid = Number(/pid (\d+)/.exec(notice)?.[1]);
		const file = path.join(runtime, 'nightcrawler', 'redis-6379.provider');
		expect(notice).toContain(`providers the user ${embeddedProviderUser} (password in ${file})`);
		expect((await stat(file)).mode & 0o777).toBe(0o600);
		expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
		const password = (await readFile(file, 'utf8')).trim();
		expect(password).toMatch(/^[\w-]{32}$/);
		await provider.stdout.waitForLines(line => line.startsWith('{"event":"instance-ready"'), {count: 3});
		expect(provider.stdout.text + provider.stderr.text).not.toContain(password);

		// Same machine, no flags: a client is served, as the default user.
		const client = startCli(['client'], {env});
		const [url] = await client.stdout.waitForLines(line => line !== '');
		expect(url).toMatch(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/);

		// The default user is a client: no requests heard, no MONITOR; the provider user publishes no request.
		const anonymous = await connect('redis://127.0.0.1:6379');
		await expect(anonymous.subscribe('nightcrawler:event:proxy:request')).rejects.toThrow(/^NOPERM/);
		const monitor = await connect('redis://127.0.0.1:6379');
		await expect(monitor.call('MONITOR')).rejects.toThrow(/^NOPERM/);
		const asProvider = await connect(`redis://${embeddedProviderUser}:${password}@127.0.0.1:6379`);
		await expect(asProvider.publish('nightcrawler:event:proxy:request', '{}')).rejects.toThrow(/^NOPERM/);

		// A second provider of this user joins as the provider user, starting no second server.
		const second = startCli(['provider', '--backend', 'memory', '--format', 'json'], {env});
		await second.stdout.waitForLines(line => line.startsWith('{"event":"instance-ready"'), {count: 3});
		expect(second.stderr.text).not.toContain('started a private redis-server');
		expect((await second.stop('SIGTERM')).exitCode).toBe(143);

		expect((await client.stop('SIGTERM')).exitCode).toBe(143);
		expect((await provider.stop('SIGTERM')).exitCode).toBe(143);
		await waitFor(async () => stat(file).then(() => false, () => true), {timeoutMs: 5000, message: 'the password file to be removed'});
		await waitFor(() => !isAlive(redisPid!), {timeoutMs: 5000, message: `redis-server ${redisPid} to be gone`});
	});
});
