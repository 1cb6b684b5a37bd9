import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {cliPath, runCli, startCli, stopAllClis} from '../helpers/cli.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';

const isEvent = (name: string) => (line: string) => line.startsWith(`{"event":"${name}"`);
const preloadPath = cliPath.replace(/cli\.js$/, 'source/run/fetch-proxy-preload.cjs');
/** Prints what the command sees: its proxy variables and the class of fetch's global dispatcher. */
const probe = `console.log(JSON.stringify({
	env: Object.fromEntries(Object.entries(process.env).filter(([name]) => /prox|^NODE_OPTIONS$/i.test(name))),
	dispatcher: globalThis[Symbol.for('undici.globalDispatcher.1')]?.constructor.name,
}))`;

type Probe = {env: Record<string, string>; dispatcher?: string};

describe('nightcrawler run: the built CLI gives its command the proxy variables and the fetch preload (in-memory pool)', () => {
	let redis: RedisServer;
	let bus: string[];

	beforeAll(async () => {
		redis = await startTestRedis();
	});

	afterAll(async () => {
		await redis?.stop();
	});

	beforeEach(async () => {
		bus = ['--redis', redis.url, '--namespace', testNamespace()];
		const provider = startCli(['provider', '--backend', 'memory', '--tors', '2', ...bus, '--format', 'json']);
		await provider.stdout.waitForLines(isEvent('instance-ready'), {count: 2});
	});

	afterEach(async () => {
		await stopAllClis();
	});

	async function runProbe(env: Record<string, string | undefined>): Promise<Probe> {
		const result = await runCli(['run', '--count', '2', ...bus, '--', process.execPath, '-e', probe], {env, timeoutMs: 30_000});
		expect(result.exitCode, String(result.stderr)).toBe(0);
		const parsed: Probe = JSON.parse(String(result.stdout));
		return parsed;
	}

	it('sets every proxy variable to the first lease\'s HTTP URL, lists both kinds of URL, and loads the preload', async () => {
		const {env, dispatcher} = await runProbe({HTTP_PROXY: 'http://stale.example:1', NO_PROXY: undefined, no_proxy: undefined, NODE_OPTIONS: '--title=run-env-test'});
		const httpUrls = env.NIGHTCRAWLER_HTTP_PROXIES?.split(',') ?? [];
		expect(httpUrls).toEqual([expect.stringMatching(/^http:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/), expect.stringMatching(/^http:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/)]);
		expect(env.NIGHTCRAWLER_PROXIES?.split(',')).toEqual([expect.stringMatching(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/), expect.stringMatching(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/)]);
		for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy']) {
			expect(env[name], name).toBe(httpUrls[0]);
		}

		expect(env.NO_PROXY).toBe('localhost,127.0.0.0/8,[::1]');
		expect(env.no_proxy).toBe(env.NO_PROXY);
		expect(env.NODE_OPTIONS).toBe(`--title=run-env-test --require "${preloadPath}"`);
		expect(env.NODE_USE_ENV_PROXY).toBe('1');
		expect(dispatcher).toBe('EnvHttpProxyAgent');
	}, 40_000);

	it('passes the user\'s own NO_PROXY on', async () => {
		const {env} = await runProbe({NO_PROXY: 'redis.internal,.corp', no_proxy: undefined});
		expect(env.NO_PROXY).toBe('redis.internal,.corp');
		expect(env.no_proxy).toBe('redis.internal,.corp');
	}, 40_000);
});
