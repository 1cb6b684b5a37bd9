import {readFile, readlink} from 'node:fs/promises';
import {execa, type ResultPromise} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {cliPath, LineReader, startCli, stopAllClis} from '../helpers/cli.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';

const hasScript = (await execa('script', ['--version'], {reject: false})).exitCode === 0;
const enterFullScreen = '\u001B[?1049h';
const leaveFullScreen = '\u001B[?1049l';
/** A screen line without its colours and cursor moves. */
const plain = (line: string) => line.replaceAll(/\u001B\[[\d;?]*[A-Za-z]/g, '');

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

/**
 * Wait until the screen has put its terminal in raw mode (no ICANON, no ISIG): only then is Ctrl-C a
 * key the screen reads; before, the terminal turns it into SIGINT (exit code 130). The terminal
 * is the one `script`'s child has as its stdin.
 */
async function waitForRawMode(subprocess: ResultPromise): Promise<void> {
	const {pid} = subprocess;
	let terminal: string | undefined;
	await waitFor(async () => {
		const [child] = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
		terminal ??= child === undefined ? undefined : await readlink(`/proc/${child}/fd/0`).catch(() => undefined);
		if (terminal === undefined) {
			return false;
		}

		const {stdout} = await execa('stty', ['-F', terminal, '-a'], {reject: false});
		return /(^|\s)-icanon(\s|$)/.test(stdout) && /(^|\s)-isig(\s|$)/.test(stdout);
	}, {timeoutMs: 15_000, intervalMs: 100, message: 'the terminal in raw mode'});
}

/** Press `key` once the screen reads keys; the command must end with exit code 0, its terminal restored (full screen left). */
async function pressAndExpectRestored(subprocess: ResultPromise, key: string): Promise<void> {
	await waitForRawMode(subprocess);
	subprocess.stdin?.write(key);
	const result = await subprocess;
	expect(result.exitCode).toBe(0);
	const output = String(result.stdout);
	expect(output).toContain(enterFullScreen);
	expect(output.lastIndexOf(leaveFullScreen)).toBeGreaterThan(output.lastIndexOf(enterFullScreen));
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
			await pressAndExpectRestored(subprocess, 'q');
			await provider.stdout.waitForLines(line => line.startsWith('{"event":"released"'), {count: 2});
		} finally {
			subprocess.kill();
			await subprocess;
		}
	});

	it('provider shows its view, and Ctrl-C stops it and restores the terminal', async () => {
		const {subprocess, screen} = startOnTerminal(['provider', '--backend', 'memory', '--redis', redis.url, '--namespace', testNamespace()]);
		try {
			await screen.waitForLine(line => line.includes('mem-2'), {timeoutMs: 15_000});
			await pressAndExpectRestored(subprocess, '\u0003');
		} finally {
			subprocess.kill();
			await subprocess;
		}
	});

	it('gateway shows where it listens and a session with its exit; q gives the lease back and restores the terminal', async () => {
		const namespace = testNamespace();
		const provider = startCli(['provider', '--backend', 'memory', '--redis', redis.url, '--namespace', namespace]);
		await provider.stdout.waitForLines(line => line.startsWith('{"event":"instance-ready"'), {count: 3});
		const {subprocess, screen} = startOnTerminal(['gateway', '--port', '0', '--socks-port', '0', '--api-port', '0', '--redis', redis.url, '--namespace', namespace]);
		try {
			const header = plain(await screen.waitForLine(line => /nightcrawler gateway · http 127\.0\.0\.1:\d+/.test(plain(line)), {timeoutMs: 15_000}));
			const httpPort = /http 127\.0\.0\.1:(\d+)/.exec(header)?.[1];
			// The memory pool's proxies relay nothing: the request fails, but its session is leased.
			await execa('curl', ['-s', '--max-time', '10', '-x', `http://session-demo:x@127.0.0.1:${httpPort}`, 'http://example.com/'], {reject: false});
			const [leased] = await provider.stdout.waitForLines(line => line.startsWith('{"event":"leased"'), {timeoutMs: 15_000});
			const {exitIp} = JSON.parse(leased!) as {exitIp: string};
			await screen.waitForLine(line => /\bdemo\b.*leased/.test(plain(line)) && plain(line).includes(exitIp), {timeoutMs: 15_000});
			await pressAndExpectRestored(subprocess, 'q');
			await provider.stdout.waitForLines(line => line.startsWith('{"event":"released"'));
		} finally {
			subprocess.kill();
			await subprocess;
		}
	});

	it('gateway: Ctrl-C stops it with exit code 0 and restores the terminal', async () => {
		const {subprocess, screen} = startOnTerminal(['gateway', '--port', '0', '--socks-port', '0', '--api-port', '0', '--redis', redis.url, '--namespace', testNamespace()]);
		try {
			await screen.waitForLine(line => plain(line).includes('no sessions yet'), {timeoutMs: 15_000});
			await pressAndExpectRestored(subprocess, '\u0003');
		} finally {
			subprocess.kill();
			await subprocess;
		}
	});
});
