import {afterEach, describe, expect, it} from 'vitest';
import {canTieToParent} from '../../source/redis/spawn-tied-to-parent.js';
import {isPortFree} from '../../source/util/free-port.js';
import {isAlive, startCli, stopAllClis} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait-for.js';

const tiesToParent = await canTieToParent();

describe('nightcrawler provider with no Redis named', () => {
	afterEach(async () => {
		await stopAllClis();
	});

	it('starts a private redis-server on 127.0.0.1:6379, serves a client with no flags, and stops it on SIGTERM', async context => {
		if (!(await isPortFree(6379, '127.0.0.1'))) {
			context.skip('something already listens on 127.0.0.1:6379, so the provider would use it instead of starting its own');
		}

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
			expect(url).toMatch(/^socks5h:\/\/127\.0\.0\.1:\d+$/);
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
		if (!(await isPortFree(6379, '127.0.0.1'))) {
			context.skip('something already listens on 127.0.0.1:6379, so the provider would use it instead of starting its own');
		}

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
