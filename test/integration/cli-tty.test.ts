import {execa} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {cliPath, LineReader, startCli, stopAllClis} from '../helpers/cli.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';

const hasScript = (await execa('script', ['--version'], {reject: false})).exitCode === 0;
const enterFullScreen = '\u001B[?1049h';
const leaveFullScreen = '\u001B[?1049l';

/** Run the built CLI on a pseudo-terminal (util-linux `script`), with keys written to it later. */
function startOnTerminal(args: string[]) {
	const command = [process.execPath, cliPath, ...args].map(word => `'${word}'`).join(' ');
	const subprocess = execa('script', ['-qfec', command, '/dev/null'], {
		stdin: 'pipe',
		reject: false,
		forceKillAfterDelay: 5000,
		// As on a user's terminal: Ink draws no live frames when it believes it runs in CI (CI=true).
		env: {REDIS_URL: undefined, CI: undefined, CONTINUOUS_INTEGRATION: undefined, COLUMNS: '120', LINES: '40'},
	});
	return {subprocess, screen: new LineReader(subprocess.stdout)};
}

describe.skipIf(!hasScript)('nightcrawler on a terminal (full-screen views)', () => {
	let redis: RedisServer;

	beforeAll(async () => {
		redis = await startTestRedis();
	});

	afterAll(async () => {
		await redis?.stop();
	});

	afterEach(async () => {
		await stopAllClis();
	});

	it('client shows its view, and q gives the leases back and restores the terminal', async () => {
		const namespace = testNamespace();
		const provider = startCli(['provider', '--backend', 'memory', '--redis', redis.url, '--namespace', namespace]);
		await provider.stdout.waitForLines(line => line.startsWith('{"event":"instance-ready"'), {count: 3});
		const {subprocess, screen} = startOnTerminal(['client', '--count', '2', '--redis', redis.url, '--namespace', namespace]);
		try {
			await provider.stdout.waitForLines(line => line.startsWith('{"event":"leased"'), {count: 2, timeoutMs: 15_000});
			// The screen shortens the URL: its credentials are never shown.
			await screen.waitForLine(line => line.includes('socks5h://…@127.0.0.1:'));
			subprocess.stdin?.write('q');
			const result = await subprocess;
			expect(result.exitCode).toBe(0);
			await provider.stdout.waitForLines(line => line.startsWith('{"event":"released"'), {count: 2});
			const output = String(result.stdout);
			expect(output).toContain(enterFullScreen);
			expect(output.lastIndexOf(leaveFullScreen)).toBeGreaterThan(output.lastIndexOf(enterFullScreen));
		} finally {
			subprocess.kill();
			await subprocess;
		}
	});

	it('provider shows its view, and Ctrl-C stops it and restores the terminal', async () => {
		const {subprocess, screen} = startOnTerminal(['provider', '--backend', 'memory', '--redis', redis.url, '--namespace', testNamespace()]);
		try {
			await screen.waitForLine(line => line.includes('mem-2'), {timeoutMs: 15_000});
			subprocess.stdin?.write('\u0003');
			const result = await subprocess;
			expect(result.exitCode).toBe(0);
			expect(String(result.stdout)).toContain(leaveFullScreen);
		} finally {
			subprocess.kill();
			await subprocess;
		}
	});
});
