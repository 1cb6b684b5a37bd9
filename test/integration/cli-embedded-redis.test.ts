import {existsSync} from 'node:fs';
import {execa} from 'execa';
import {afterEach, describe, expect, it} from 'vitest';
import {canTieToParent} from '../../source/redis/spawn-tied-to-parent.js';
import {isPortFree} from '../../source/util/free-port.js';
import {isAlive, runCli, startCli, stopAllClis} from '../helpers/cli.js';
import {torsMentioning} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait-for.js';

const tiesToParent = await canTieToParent();

/** These tests need the default Redis address free: otherwise the provider would use what answers there. */
async function needFreeDefaultPort(context: {skip(note: string): void}): Promise<void> {
	if (!(await isPortFree(6379, '127.0.0.1'))) {
		context.skip('something already listens on 127.0.0.1:6379, so the provider would use it instead of starting its own');
	}
}

describe('nightcrawler provider with no Redis named', () => {
	afterEach(async () => {
		await stopAllClis();
	});

	it('starts a private redis-server on 127.0.0.1:6379, serves a client with no flags, and stops it on SIGTERM', async context => {
		await needFreeDefaultPort(context);

		const provider = startCli(['provider', '--backend', 'memory', '--format', 'json']);
		let redisPid: number | undefined;
		try {
			const notice = await provider.stderr.waitForLine(line => line.includes('started a private redis-server'));
			expect(notice).toMatch(/^nightcrawler: nothing answered on 127\.0\.0\.1:6379: started a private redis-server there \(pid \d+\)/);
			redisPid = Number(/pid (\d+)/.exec(notice)?.[1]);
			await provider.stdout.waitForLines(line => line.startsWith('{"event":"instance-ready"'), {count: 3});

			// Same machine, no flags: the same default Redis and namespace.
			const client = startCli(['client']);
			const [url] = await client.stdout.waitForLines(line => line !== '');
			expect(url).toMatch(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/);
			expect((await client.stop('SIGTERM')).exitCode).toBe(143);

			expect((await provider.stop('SIGTERM')).exitCode).toBe(143);
			expect(provider.stderr.text).not.toContain('still running');
			expect(await isPortFree(6379, '127.0.0.1')).toBe(true);
			await waitFor(() => !isAlive(redisPid!), {timeoutMs: 5000, message: `redis-server ${redisPid} to be gone`});
		} finally {
			if (redisPid !== undefined && isAlive(redisPid)) {
				process.kill(redisPid, 'SIGKILL');
			}
		}
	});

	it.skipIf(!tiesToParent)('takes its redis-server with it when it is SIGKILLed', async context => {
		await needFreeDefaultPort(context);

		const provider = startCli(['provider', '--backend', 'memory', '--format', 'json']);
		let redisPid: number | undefined;
		try {
			const notice = await provider.stderr.waitForLine(line => line.includes('started a private redis-server'));
			redisPid = Number(/pid (\d+)/.exec(notice)?.[1]);
			expect(isAlive(redisPid)).toBe(true);
			expect((await provider.stop('SIGKILL')).signal).toBe('SIGKILL');
			await waitFor(() => !isAlive(redisPid!), {timeoutMs: 5000, message: `redis-server ${redisPid} to die with its provider`});
		} finally {
			if (redisPid !== undefined && isAlive(redisPid)) {
				process.kill(redisPid, 'SIGKILL');
			}
		}
	});
});

describe('nightcrawler provider with no redis-server installed', () => {
	it('says in one line how to install it, or to pass --redis', async context => {
		await needFreeDefaultPort(context);
		// No redis-server (nor anything else) on the PATH; node itself is started by its full path.
		const result = await runCli(['provider', '--format', 'json'], {env: {PATH: '/nonexistent'}});
		expect(result.exitCode).toBe(1);
		expect(String(result.stderr).trim()).toBe('nightcrawler: redis-server not found at "redis-server": install it with "sudo apt-get install redis-server" (Debian/Ubuntu), or pass --redis URL');
	});
});

describe('nightcrawler provider --testnet, as the README starts it', () => {
	afterEach(async () => {
		await stopAllClis();
	});

	it('needs no flags anywhere: a client finds it, its proxy leaves through the private network, and SIGTERM leaves nothing behind', async context => {
		await needFreeDefaultPort(context);

		const provider = startCli(['provider', '--testnet', '--tors', '2']);
		const [started] = await provider.stdout.waitForLines(line => line.startsWith('{"event":"started"'), {timeoutMs: 120_000});
		const {checkUrl} = JSON.parse(started!) as {checkUrl: string};
		expect(checkUrl).toMatch(/^http:\/\/\[::ffff:127\.0\.0\.1\]:\d+\/$/);
		await provider.stdout.waitForLines(line => line.startsWith('{"event":"instance-ready"'), {count: 2, timeoutMs: 120_000});
		// The network's directory, named in its progress lines; the provider's Tor data lives there too.
		const directory = /(\/\S*nightcrawler-testnet-\w+)/.exec(provider.stderr.text)?.[1];
		expect(directory).toBeDefined();

		const client = startCli(['client', '--count', '1']);
		const [url] = await client.stdout.waitForLines(line => line.startsWith('socks5h://'), {timeoutMs: 30_000});
		const curl = await execa('curl', ['-s', '--max-time', '20', '-x', url!, checkUrl], {reject: false});
		const {IP: ip} = JSON.parse(curl.stdout) as {IP: string};
		expect(ip).toMatch(/^127\.0\.0\.\d+$/);
		expect(ip).not.toBe('127.0.0.1');

		await client.stop('SIGTERM');
		const tors = await torsMentioning(directory!);
		// 3 authorities, 4 exits, 2 instances.
		expect(tors).toHaveLength(9);
		expect((await provider.stop('SIGTERM')).exitCode).toBe(143);
		expect(tors.filter(pid => isAlive(pid))).toEqual([]);
		expect(await isPortFree(6379, '127.0.0.1')).toBe(true);
		expect(existsSync(directory!)).toBe(false);
	});
});

