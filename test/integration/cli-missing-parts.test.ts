import net from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';

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

	it('a port in use: one line naming the port and the flag to change', async () => {
		const server = net.createServer();
		await new Promise<void>(resolve => {
			server.listen({host: '127.0.0.1', port: 0}, resolve);
		});
		try {
			const {port} = server.address() as net.AddressInfo;
			const result = await runCli(['provider', '--base-port', String(port), '--redis', redis.url, '--namespace', testNamespace(), '--format', 'json']);
			expectOneLine(result, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use: pick another --base-port`));
		} finally {
			await new Promise(resolve => {
				server.close(resolve);
			});
		}
	});
});
