import net from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';

/** Run `test` with a port on 127.0.0.1 held open by this process. */
async function withTakenPort(test: (port: number) => Promise<void>): Promise<void> {
	const server = net.createServer();
	await new Promise<void>(resolve => {
		server.listen({host: '127.0.0.1', port: 0}, resolve);
	});
	try {
		const address = server.address();
		if (typeof address !== 'object' || !address) {
			throw new Error('the port holder has no address');
		}

		await test(address.port);
	} finally {
		await new Promise(resolve => {
			server.close(resolve);
		});
	}
}

/** Each failure is one line on stderr naming the fix, exit code 1, and never a stack trace. */
function expectOneLine(result: {exitCode?: number; stderr: unknown}, pattern: RegExp): void {
	const lines = String(result.stderr).trim().split('\n');
	expect(result.exitCode).toBe(1);
	expect(lines.at(-1)).toMatch(pattern);
	expect(String(result.stderr)).not.toMatch(/^\s+at /m);
}

describe('nightcrawler provider when a part is missing', () => {
	let redis: RedisServer;

	beforeAll(async () => {
		redis = await startTestRedis();
	});

	afterAll(async () => {
		await redis?.stop();
	});

	it('a missing tor binary: one line saying how to install it', async () => {
		const result = await runCli(['provider', '--tor', '/nonexistent/tor', '--redis', redis.url, '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, /tor not found at "\/nonexistent\/tor": install it with "sudo apt-get install tor".*--tor PATH/);
	});

	it('a port in use: one line naming the port and the flag to change', async () => withTakenPort(async port => {
		const result = await runCli(['provider', '--base-port', String(port), '--redis', redis.url, '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use: pick another --base-port`));
	}));

	it.each(['--socks-port', '--http-port'])('the front\'s %s in use: one line naming that flag, not --base-port', async flag => withTakenPort(async port => {
		const result = await runCli(['provider', '--backend', 'memory', flag, String(port), '--redis', redis.url, '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`^nightcrawler: port ${port} on 127\\.0\\.0\\.1 is in use: stop what uses it or pick another ${flag} \\(or leave it out to use a free one\\)$`));
		expect(String(result.stderr)).not.toContain('--base-port');
	}));
});

describe('nightcrawler gateway when a port is taken', () => {
	let redis: RedisServer;

	beforeAll(async () => {
		redis = await startTestRedis();
	});

	afterAll(async () => {
		await redis?.stop();
	});

	it.each([
		['--socks-port', ['--port', '0', '--api-port', '0']],
		['--port', ['--socks-port', '0', '--api-port', '0']],
		['--api-port', ['--port', '0', '--socks-port', '0']],
	])('%s on a taken port: one line naming that flag, exit code 1', async (flag, others) => withTakenPort(async port => {
		const result = await runCli(['gateway', flag, String(port), ...others, '--redis', redis.url, '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`^nightcrawler: port ${port} on 127\\.0\\.0\\.1 is in use: stop what uses it or pick another ${flag} \\(0: a free one\\)$`));
		expect(String(result.stderr)).not.toContain('--base-port');
	}));

	it('a port of --session-ports taken: names --session-ports', async () => withTakenPort(async port => {
		const result = await runCli(['gateway', '--session-ports', `${port}-${port}`, '--port', '0', '--socks-port', '0', '--api-port', '0', '--redis', redis.url, '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`^nightcrawler: port ${port} on 127\\.0\\.0\\.1 is in use: stop what uses it or pick another --session-ports$`));
	}));
});
