import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {testNamespace} from '../helpers/redis.js';
import {setupRedisTestbed} from '../helpers/redis-testbed.js';
import {withTakenPort} from '../helpers/taken-port.js';

const {redisUrl} = setupRedisTestbed();

/** Each failure is one line on stderr naming the fix, exit code 1, and never a stack trace. */
function expectOneLine(result: {exitCode?: number; stderr: unknown}, pattern: RegExp): void {
	const lines = String(result.stderr).trim().split('\n');
	expect(result.exitCode).toBe(1);
	expect(lines.at(-1)).toMatch(pattern);
	expect(String(result.stderr)).not.toMatch(/^\s+at /m);
}

describe('nightcrawler provider when a part is missing', () => {
	it('a missing tor binary: one line saying how to install it', async () => {
		const result = await runCli(['provider', '--tor', '/nonexistent/tor', '--redis', redisUrl(), '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, /tor not found at "\/nonexistent\/tor": install it with "sudo apt-get install tor".*--tor PATH/);
	});

	it('a port in use: one line naming the port and the flag to change', async () => withTakenPort(async port => {
		const result = await runCli(['provider', '--base-port', String(port), '--redis', redisUrl(), '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use: pick another --base-port`));
	}));

	it.each(['--socks-port', '--http-port'])('the front\'s %s in use: one line naming that flag, not --base-port', async flag => withTakenPort(async port => {
		const result = await runCli(['provider', '--backend', 'memory', flag, String(port), '--redis', redisUrl(), '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`^nightcrawler: port ${port} on 127\\.0\\.0\\.1 is in use: stop what uses it or pick another ${flag} \\(or leave it out to use a free one\\)$`));
		expect(String(result.stderr)).not.toContain('--base-port');
	}));
});

describe('nightcrawler gateway when a port is taken', () => {
	it.each([
		['--socks-port', ['--port', '0', '--api-port', '0']],
		['--port', ['--socks-port', '0', '--api-port', '0']],
		['--api-port', ['--port', '0', '--socks-port', '0']],
	])('%s on a taken port: one line naming that flag, exit code 1', async (flag, others) => withTakenPort(async port => {
		const result = await runCli(['gateway', flag, String(port), ...others, '--redis', redisUrl(), '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`^nightcrawler: port ${port} on 127\\.0\\.0\\.1 is in use: stop what uses it or pick another ${flag} \\(0: a free one\\)$`));
		expect(String(result.stderr)).not.toContain('--base-port');
	}));

	it('a port of --session-ports taken: names --session-ports', async () => withTakenPort(async port => {
		const result = await runCli(['gateway', '--session-ports', `${port}-${port}`, '--port', '0', '--socks-port', '0', '--api-port', '0', '--redis', redisUrl(), '--namespace', testNamespace(), '--format', 'json']);
		expectOneLine(result, new RegExp(`^nightcrawler: port ${port} on 127\\.0\\.0\\.1 is in use: stop what uses it or pick another --session-ports$`));
	}));
});
