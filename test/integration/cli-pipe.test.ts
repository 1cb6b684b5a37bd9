import {execa} from 'execa';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {cliPath, runCli, startCli, stopAllClis, type CliProcess} from '../helpers/cli.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';

type Event = {event: string; time: string; [key: string]: unknown};

function events(provider: CliProcess, name: string): Event[] {
	return provider.stdout.lines.map(line => JSON.parse(line) as Event).filter(event => event.event === name);
}

const isEvent = (name: string) => (line: string) => line.startsWith(`{"event":"${name}"`);

describe('nightcrawler (built CLI) in pipes, with the in-memory pool', () => {
	let redis: RedisServer;
	let namespace: string;
	let provider: CliProcess;
	const bus = () => ['--redis', redis.url, '--namespace', namespace];

	beforeAll(async () => {
		redis = await startTestRedis();
	});

	afterAll(async () => {
		await redis?.stop();
	});

	beforeEach(async () => {
		namespace = testNamespace();
		provider = startCli(['provider', '--backend', 'memory', '--tors', '3', ...bus(), '--format', 'json']);
		await provider.stdout.waitForLines(isEvent('instance-ready'), {count: 3});
	});

	afterEach(async () => {
		await stopAllClis();
	});

	it('provider prints one JSON object a line per event, each with event and time, and stops on SIGTERM', async () => {
		const [started] = events(provider, 'started');
		expect(started).toMatchObject({providerId: expect.any(String), redis: redis.url, namespace, tors: 3, host: '127.0.0.1', socksPort: expect.any(Number), httpPort: expect.any(Number)});
		for (const ready of events(provider, 'instance-ready')) {
			expect(ready).toMatchObject({time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), proxyId: expect.any(String), host: '127.0.0.1', port: expect.any(Number)});
		}

		const client = startCli(['client', '--count', '1', ...bus()]);
		await provider.stdout.waitForLine(isEvent('leased'));
		const result = await provider.stop('SIGTERM');
		expect(result.exitCode).toBe(143);
		expect(events(provider, 'released')).toMatchObject([{reason: 'provider-stopping'}]);
		expect(events(provider, 'stopped')).toHaveLength(1);
		expect(provider.stdout.text).not.toMatch(/secret/i);
		// The client hears its lease ended and says so on stderr.
		await client.stderr.waitForLine(line => line.includes('provider-stopping'));
	});

	it('client --count 3 prints 3 distinct socks5h:// URLs, one a line, and releases them on SIGTERM', async () => {
		const client = startCli(['client', '--count', '3', ...bus()]);
		const urls = await client.stdout.waitForLines(line => line !== '', {count: 3});
		for (const url of urls) {
			expect(url).toMatch(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/);
		}

		expect(new Set(urls).size).toBe(3);
		await provider.stdout.waitForLines(isEvent('leased'), {count: 3});
		const result = await client.stop('SIGTERM');
		expect(result.exitCode).toBe(143);
		const released = await provider.stdout.waitForLines(isEvent('released'), {count: 3});
		expect(released.map(line => JSON.parse(line) as Event)).toMatchObject([{reason: 'destroyed'}, {reason: 'destroyed'}, {reason: 'destroyed'}]);
		expect(client.stdout.lines).toHaveLength(3);
		expect(client.stderr.text).toBe('');
	});

	it('client --format json prints objects with url, httpUrl, exitIp, provider and leaseId', async () => {
		const client = startCli(['client', '--count', '2', '--format', 'json', ...bus()]);
		const lines = await client.stdout.waitForLines(line => line !== '', {count: 2});
		const [started] = events(provider, 'started');
		for (const line of lines) {
			const proxy = JSON.parse(line) as Record<string, unknown>;
			expect(Object.keys(proxy).sort()).toEqual(['exitIp', 'httpUrl', 'leaseId', 'provider', 'url']);
			expect(proxy).toMatchObject({url: expect.stringMatching(/^socks5h:\/\//), httpUrl: expect.stringMatching(/^http:\/\//), exitIp: expect.any(String), provider: started?.providerId});
		}
	});

	it('client --http prints http:// CONNECT URLs', async () => {
		const client = startCli(['client', '--count', '2', '--http', ...bus()]);
		const urls = await client.stdout.waitForLines(line => line !== '', {count: 2});
		for (const url of urls) {
			expect(url).toMatch(/^http:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/);
		}
	});

	it('client releases everything and exits when its stdout is closed (a socket, as from a parent process)', async () => {
		const client = startCli(['client', '--count', '3', ...bus()]);
		await client.stdout.waitForLines(line => line !== '', {count: 3});
		await provider.stdout.waitForLines(isEvent('leased'), {count: 3});
		client.subprocess.stdout?.destroy();
		const result = await client.exited;
		expect(result.exitCode).toBe(0);
		await provider.stdout.waitForLines(isEvent('released'), {count: 3});
	});

	it('client --count 3 | head -1 ends the pipeline and releases everything (a pipe, as from a shell)', async () => {
		const pipeline = await execa('bash', ['-c', `"${process.execPath}" "${cliPath}" client --count 3 --redis "${redis.url}" --namespace "${namespace}" | head -1; echo "status \${PIPESTATUS[0]}"`], {timeout: 20_000, reject: false, env: {REDIS_URL: undefined}});
		const lines = String(pipeline.stdout).split('\n');
		expect(lines[0]).toMatch(/^socks5h:\/\//);
		expect(lines[1]).toBe('status 0');
		await provider.stdout.waitForLines(isEvent('released'), {count: 3});
	});

	it('client --count 2 feeds a while-read loop', async () => {
		const script = `"${process.execPath}" "${cliPath}" client --count 2 --redis "${redis.url}" --namespace "${namespace}" | { n=0; while read url; do echo "got $url"; n=$((n+1)); [ $n = 2 ] && break; done; }`;
		const pipeline = await execa('bash', ['-c', script], {timeout: 20_000, reject: false, env: {REDIS_URL: undefined}});
		expect(String(pipeline.stdout).split('\n')).toEqual([expect.stringMatching(/^got socks5h:\/\//), expect.stringMatching(/^got socks5h:\/\//)]);
		await provider.stdout.waitForLines(isEvent('released'), {count: 2});
	});

	it('run --count 2 gives the command the proxies and exits with its exit code', async () => {
		const print = 'for (const k of ["ALL_PROXY","all_proxy","HTTP_PROXY","http_proxy","HTTPS_PROXY","https_proxy","NIGHTCRAWLER_PROXIES"]) console.log(k + "=" + process.env[k]); process.exitCode = Number(process.argv[1]);';
		for (const code of [0, 3]) {
			// eslint-disable-next-line no-await-in-loop
			const result = await runCli(['run', '--count', '2', ...bus(), '--', process.execPath, '-e', print, String(code)]);
			expect(result.exitCode).toBe(code);
			const env = Object.fromEntries(String(result.stdout).split('\n').map(line => line.split('=', 2) as [string, string]));
			const proxies = env.NIGHTCRAWLER_PROXIES!.split(',');
			expect(proxies).toHaveLength(2);
			expect(new Set(proxies).size).toBe(2);
			for (const url of proxies) {
				expect(url).toMatch(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/);
			}

			// Every proxy variable holds the first lease's HTTP URL (the front's HTTP port, with its credentials).
			const http = env.HTTP_PROXY!;
			expect(http).toMatch(/^http:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/);
			expect(env).toMatchObject({ALL_PROXY: http, all_proxy: http, http_proxy: http, HTTPS_PROXY: http, https_proxy: http});
			expect(new URL(http).username).toBe(new URL(proxies[0]!).username);
		}

		await provider.stdout.waitForLines(isEvent('released'), {count: 4});
	});

	it('run exits with 128+N when a signal ends the command, and forwards its own signals', async () => {
		const killed = await runCli(['run', ...bus(), '--', 'sh', '-c', 'kill -TERM $$']);
		expect(killed.exitCode).toBe(143);
		const run = startCli(['run', ...bus(), '--', process.execPath, '-e', 'process.on("SIGTERM", () => { console.log("child got SIGTERM"); process.exit(7); }); console.log("child ready"); setInterval(() => {}, 1000);']);
		await run.stdout.waitForLine(line => line === 'child ready');
		run.subprocess.kill('SIGTERM');
		const result = await run.exited;
		expect(result.exitCode).toBe(7);
		expect(run.stdout.lines).toContain('child got SIGTERM');
	});

	it('run says in one line when no proxy comes in time, and when the command does not exist', async () => {
		const timeout = await runCli(['run', '--redis', redis.url, '--namespace', testNamespace(), '--timeout', '1s', '--', 'true']);
		expect(timeout.exitCode).toBe(1);
		expect(String(timeout.stderr).trim()).toMatch(/^nightcrawler: only 0 of 1 proxy leased within 1 s: is a provider running on redis:\/\/127\.0\.0\.1:\d+ \(namespace test-[\w-]+\)\?$/);
		const missing = await runCli(['run', ...bus(), '--', 'nightcrawler-no-such-command']);
		expect(missing.exitCode).toBe(127);
		expect(String(missing.stderr).trim()).toBe('nightcrawler: could not run nightcrawler-no-such-command: command not found');
	});
});
