import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {loopbackNoProxy, proxyEnv} from '../../source/commands/proxy-env.js';
import {runCli} from '../helpers/cli.js';

const {version} = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string};

/** One line on stderr, prefixed with the program's name, and no stack trace. */
function expectOneLine(stderr: unknown): string {
	const text = String(stderr).trimEnd();
	expect(text.split('\n')).toHaveLength(1);
	expect(text).toMatch(/^nightcrawler: /);
	expect(text).not.toMatch(/\n\s+at |Error:/);
	return text;
}

describe('nightcrawler (built CLI): help, version, bad usage', () => {
	it('prints help with usage, options, examples and a pipe example', async () => {
		const result = await runCli(['--help']);
		expect(result.exitCode).toBe(0);
		const help = String(result.stdout);
		for (const part of ['Usage', 'nightcrawler provider', 'nightcrawler client', 'nightcrawler run', 'nightcrawler testnet', '--count N', '--tors N', '--lease-ttl', '--timeout', 'Examples', '| head -3', 'NIGHTCRAWLER_PROXIES', 'comma-separated', 'ended (<reason>) while <command> ran', 'or 1 when a lease ended while it ran']) {
			expect(help).toContain(part);
		}

		expect(help).not.toContain('--backend');
	});

	it('describes what run sets, as proxyEnv sets it, and what client --http prints', async () => {
		const result = await runCli(['--help']);
		const help = String(result.stdout).replaceAll(/\s+/g, ' ');
		const env = proxyEnv([{url: 'socks5h://u:p@127.0.0.1:1', httpUrl: 'http://u:p@127.0.0.1:2'}], {parentEnv: {}, preloadPath: '/preload.cjs'});
		for (const name of Object.keys(env)) {
			expect(help).toContain(name);
		}

		expect(env.ALL_PROXY).toBe('http://u:p@127.0.0.1:2');
		expect(help).toContain('run sets HTTP_PROXY, HTTPS_PROXY and ALL_PROXY (and http_proxy, https_proxy, all_proxy) to the first lease\'s http:// URL with its credentials');
		expect(help).toContain('NIGHTCRAWLER_PROXIES to every lease\'s socks5h:// URL and NIGHTCRAWLER_HTTP_PROXIES to every http:// URL');
		expect(help).toContain(`NO_PROXY (and no_proxy) defaults to ${loopbackNoProxy}`);
		expect(help).toContain('NODE_OPTIONS gains a --require preload that makes Node\'s built-in fetch use the proxy');
		// The old wording: the proxy variables got socks5h:// URLs, and --http printed "CONNECT URLs" only.
		expect(help).not.toMatch(/HTTP_PROXY and http_proxy to the first proxy's socks5h/);
		expect(help).not.toContain('CONNECT URLs instead');
		expect(help).toContain('--http print the http:// proxy URLs instead of socks5h:// (client); they take CONNECT (https://) and plain http:// requests alike');
	});

	it('prints the same help for a command\'s --help', async () => {
		const result = await runCli(['client', '--help']);
		expect(result.exitCode).toBe(0);
		expect(String(result.stdout)).toContain('Examples');
	});

	it('prints the version', async () => {
		const result = await runCli(['--version']);
		expect(result.exitCode).toBe(0);
		expect(String(result.stdout).trim()).toBe(version);
	});

	it('shows help on stderr with exit code 2 when no command is given', async () => {
		const result = await runCli([]);
		expect(result.exitCode).toBe(2);
		expect(String(result.stderr)).toContain('Usage');
	});

	it.each([
		[['client', '--foo'], 'nightcrawler: unknown flag --foo (see nightcrawler --help)'],
		[['--foo', 'client'], 'unknown flag --foo'],
		[['client', '--tors', '2'], '--tors is not a flag of "nightcrawler client"'],
		[['client', '--count', 'many'], '--count must be a whole number'],
		[['client', '--count', '1', '--count', '2'], '--count can only be given once'],
		[['client', '--format', 'xml'], '--format must be text or json'],
		[['provider', '--lease-ttl', '5 minutes'], '--lease-ttl must be a duration'],
		[['provider', '--base-port', '70000'], '--base-port must be a whole number from 1 to 65535'],
		[['provider', '--torrc', '/nonexistent/torrc'], '--torrc: no such file'],
		[['provider', '--socks-port', '9050', '--http-port', '9050'], '--socks-port and --http-port must differ'],
		[['run', '--count', '2'], 'run needs a command after --'],
		[['run', 'curl', 'https://example.com'], 'put -- before the command'],
		[['serve'], 'unknown command "serve"'],
	])('rejects %j with exit code 2 and one line', async (args, expected) => {
		const result = await runCli(args);
		expect(result.exitCode).toBe(2);
		expect(expectOneLine(result.stderr)).toContain(expected);
		expect(String(result.stdout)).toBe('');
	});

	it('rejects a bad --redis and a bad REDIS_URL without printing the password', async () => {
		const flag = await runCli(['client', '--redis', 'http://:hunter2@127.0.0.1:1']);
		expect(flag.exitCode).toBe(2);
		expect(expectOneLine(flag.stderr)).not.toContain('hunter2');
		const env = await runCli(['client'], {env: {REDIS_URL: 'localhost:6379:hunter2'}});
		expect(env.exitCode).toBe(2);
		expect(expectOneLine(env.stderr)).toContain('REDIS_URL');
		expect(String(env.stderr)).not.toContain('hunter2');
	});

	it.each([
		[['client', '--redis', 'redis://:hunter2@127.0.0.1:1']],
		[['run', '--redis', 'redis://:hunter2@127.0.0.1:1', '--', 'true']],
		[['provider', '--backend', 'memory', '--redis', 'redis://:hunter2@127.0.0.1:1']],
	])('says in one line that Redis is unreachable, exit code 1: %j', async args => {
		const result = await runCli(args);
		expect(result.exitCode).toBe(1);
		const line = expectOneLine(result.stderr);
		expect(line).toContain('cannot reach Redis at redis://127.0.0.1:1');
		expect(line).toContain('--redis');
		expect(line).not.toContain('hunter2');
	});
});
