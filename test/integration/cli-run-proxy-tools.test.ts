import {mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {proxyEnv} from '../../source/commands/proxy-env.js';
import {freePort} from '../../source/util/free-port.js';
import {Cleanups} from '../helpers/cleanups.js';
import {startRecordingProxy, startRecordingTarget, type RecordingProxy, type RecordingTarget} from '../helpers/recording-proxy.js';
import {testCertificate} from '../helpers/test-certificate.js';

/** The preload as the built package holds it (`npm run build` first, as for the CLI tests). */
const preloadPath = fileURLToPath(new URL('../../dist/source/run/fetch-proxy-preload.cjs', import.meta.url));
const username = 'lease-user';
const password = 'p@ss:word';
const expectedAuthorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
/** A name no resolver knows: only the recording proxy routes it, so going direct cannot reach it. */
const targetName = 'target.nightcrawler.test';

/** This process's environment without any proxy setting of the machine running the tests. */
function cleanEnv(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (value !== undefined && !/^(?:(?:http|https|all|no)_proxy|node_options|node_use_env_proxy|nightcrawler_.*)$/i.test(name)) {
			env[name] = value;
		}
	}

	return env;
}

/** What `run` gives its command for a lease whose HTTP URL is `proxyUrl` (with credentials). */
function runEnv(proxyUrl: string, parentEnv: Record<string, string> = {}): Record<string, string> {
	const http = new URL(proxyUrl);
	http.username = encodeURIComponent(username);
	http.password = encodeURIComponent(password);
	const lease = {url: `socks5h://${http.username}:${http.password}@127.0.0.1:1`, httpUrl: http.href.replace(/\/$/, '')};
	const parent = {...cleanEnv(), ...parentEnv};
	return {...parent, ...proxyEnv([lease], {parentEnv: parent, preloadPath})};
}

async function runWith(env: Record<string, string>, file: string, args: string[]) {
	return execa(file, args, {env, extendEnv: false, reject: false, timeout: 30_000});
}

const fetchScript = 'fetch(process.argv[1]).then(async r => console.log(r.status, (await r.text()).trim()), e => { console.log("failed:", e.cause?.message ?? e.message); process.exitCode = 3; })';
const tools: Array<[name: string, file: string, args: (url: string) => string[]]> = [
	['curl', 'curl', url => ['-sS', '--max-time', '20', url]],
	['wget', 'wget', url => ['-q', '-O', '-', '--timeout=20', '--tries=1', url]],
	['Python requests', '/usr/bin/python3', url => ['-c', 'import requests, sys; print(requests.get(sys.argv[1], timeout=20).text, end="")', url]],
	['Node built-in fetch', process.execPath, url => ['-e', fetchScript, url]],
];

describe('nightcrawler run: the command\'s environment with a local HTTP proxy (the built preload)', () => {
	const cleanups = new Cleanups();
	let target: RecordingTarget;
	let proxy: RecordingProxy;

	beforeEach(async () => {
		target = await startRecordingTarget();
		cleanups.add(target.close);
		proxy = await startRecordingProxy({routes: {[`${targetName}:${target.port}`]: target.port}});
		cleanups.add(proxy.close);
	});

	afterEach(async () => {
		await cleanups.run();
	});

	it.each(tools)('%s reaches an http:// target through the proxy, with the lease\'s credentials', async (name, file, args) => {
		const url = `http://${targetName}:${target.port}/${name.replaceAll(' ', '-')}`;
		const result = await runWith(runEnv(proxy.url), file, args(url));
		expect(result.stdout, result.stderr).toContain(`reached /${name.replaceAll(' ', '-')}`);
		expect(proxy.requests).toHaveLength(1);
		expect(proxy.requests[0]?.proxyAuthorization).toBe(expectedAuthorization);
		expect(proxy.requests[0]?.target).toContain(`${targetName}:${target.port}`);
		expect(target.requests).toEqual([{host: `${targetName}:${target.port}`, path: `/${name.replaceAll(' ', '-')}`}]);
	});

	it.each(tools)('%s goes straight to loopback (the default NO_PROXY): the proxy sees nothing', async (name, file, args) => {
		const byName = await runWith(runEnv(proxy.url), file, args(`http://localhost:${target.port}/by-name`));
		expect(byName.stdout, byName.stderr).toContain('reached /by-name');
		const byAddress = await runWith(runEnv(proxy.url), file, args(`http://127.0.0.1:${target.port}/by-address`));
		if (name === 'wget') {
			// wget knows no CIDR (127.0.0.0/8): it asks the proxy, which has no route there.
			expect(byAddress.exitCode).not.toBe(0);
			expect(proxy.requests.map(request => request.target)).toEqual([`http://127.0.0.1:${target.port}/by-address`]);
			expect(target.requests.map(request => request.path)).toEqual(['/by-name']);
		} else {
			expect(byAddress.stdout, byAddress.stderr).toContain('reached /by-address');
			expect(proxy.requests).toEqual([]);
			expect(target.requests.map(request => request.path)).toEqual(['/by-name', '/by-address']);
		}
	});

	it.each(tools)('%s sends IPv6 literals that end like loopback to the proxy, never direct', async (_name, file, args) => {
		for (const host of ['[2001:db8::1]', '[2001:db8::127.0.0.1]']) {
			// eslint-disable-next-line no-await-in-loop
			const result = await runWith(runEnv(proxy.url), file, args(`http://${host}:${target.port}/v6`));
			expect(result.stdout).not.toContain('reached');
		}

		// The proxy was asked for both (it has no route: 502); nothing went anywhere else.
		expect(proxy.requests).toHaveLength(2);
		expect(target.requests).toEqual([]);
	});

	it.each(tools)('%s sends loopback through the proxy too when the user sets NO_PROXY empty', async (_name, file, args) => {
		const routed = await startRecordingProxy({routes: {[`127.0.0.1:${target.port}`]: target.port}});
		cleanups.add(routed.close);
		const result = await runWith(runEnv(routed.url, {NO_PROXY: ''}), file, args(`http://127.0.0.1:${target.port}/proxied`));
		expect(result.stdout, result.stderr).toContain('reached /proxied');
		expect(routed.requests).toHaveLength(1);
		expect(target.requests.map(request => request.path)).toEqual(['/proxied']);
		expect(proxy.requests).toEqual([]);
	});
});

describe('nightcrawler run: Node\'s built-in fetch never goes direct', () => {
	const cleanups = new Cleanups();

	afterEach(async () => {
		await cleanups.run();
	});

	async function directTarget(): Promise<RecordingTarget> {
		// 127.0.0.2: reachable directly, and not in the default NO_PROXY.
		const target = await startRecordingTarget({host: '127.0.0.2'});
		cleanups.add(target.close);
		return target;
	}

	it('https:// through CONNECT, in a worker thread, and after the program clears the proxy variables', async () => {
		const target = await startRecordingTarget({tls: true});
		cleanups.add(target.close);
		// The proxy relays localhost:DEAD to the target: nothing listens on DEAD, so direct fails.
		const dead = await freePort();
		const proxy = await startRecordingProxy({routes: {[`localhost:${dead}`]: target.port}});
		cleanups.add(proxy.close);
		const directory = await mkdtemp(path.join(tmpdir(), 'nightcrawler-run-'));
		cleanups.add(async () => rm(directory, {recursive: true, force: true}));
		const ca = path.join(directory, 'ca.pem');
		await writeFile(ca, testCertificate.cert);
		const env = runEnv(proxy.url, {NO_PROXY: '', NODE_EXTRA_CA_CERTS: ca});

		const main = await runWith(env, process.execPath, ['-e', fetchScript, `https://localhost:${dead}/tls`]);
		expect(main.stdout, main.stderr).toBe('200 reached /tls');

		const worker = `new (require("node:worker_threads").Worker)(${JSON.stringify(fetchScript.replace('process.argv[1]', `"https://localhost:${dead}/worker"`))}, {eval: true})`;
		const inWorker = await runWith(env, process.execPath, ['-e', worker]);
		expect(inWorker.stdout, inWorker.stderr).toBe('200 reached /worker');

		const clearing = `for (const name of Object.keys(process.env)) if (/proxy/i.test(name)) delete process.env[name]; process.env.NO_PROXY = "*"; ${fetchScript}`;
		const cleared = await runWith(env, process.execPath, ['-e', clearing, `https://localhost:${dead}/cleared`]);
		expect(cleared.stdout, cleared.stderr).toBe('200 reached /cleared');

		expect(target.requests.map(request => request.path)).toEqual(['/tls', '/worker', '/cleared']);
		expect(proxy.requests.map(request => [request.method, request.target, request.proxyAuthorization])).toEqual(Array.from({length: 3}, () => ['CONNECT', `localhost:${dead}`, expectedAuthorization]));
	});

	it('fails, and the target sees nothing, when the proxy refuses', async () => {
		const target = await directTarget();
		const proxy = await startRecordingProxy({routes: {[`127.0.0.2:${target.port}`]: target.port}, refuse: true});
		cleanups.add(proxy.close);
		const result = await runWith(runEnv(proxy.url), process.execPath, ['-e', fetchScript, `http://127.0.0.2:${target.port}/refused`]);
		expect(result.exitCode).toBe(3);
		expect(result.stdout).toMatch(/^failed: /);
		expect(proxy.requests.map(request => request.target)).toEqual([`127.0.0.2:${target.port}`]);
		expect(target.requests).toEqual([]);
	});

	it('fails, and the target sees nothing, when nothing listens at the proxy\'s address', async () => {
		const target = await directTarget();
		const result = await runWith(runEnv('http://127.0.0.1:1'), process.execPath, ['-e', fetchScript, `http://127.0.0.2:${target.port}/no-proxy`]);
		expect(result.stdout).toMatch(/^failed: .*ECONNREFUSED/);
		expect(target.requests).toEqual([]);
	});

	it('refuses every request, says so on stderr, and the target sees nothing, when the proxy cannot be set up', async () => {
		const target = await directTarget();
		const env = runEnv('http://127.0.0.1:1');
		for (const [broken, why] of [['socks5h://127.0.0.1:1', 'HTTP_PROXY is a socks5h:// proxy'], ['http://[broken', 'HTTP_PROXY is not a URL']] as const) {
			const result = await runWith({...env, HTTP_PROXY: broken, http_proxy: broken}, process.execPath, ['-e', fetchScript, `http://127.0.0.2:${target.port}/broken`]);
			expect(result.stdout).toMatch(/^failed: nightcrawler run: this process may not fetch directly/);
			expect(result.stderr).toBe(`nightcrawler run: fetch will refuse every request in this process: ${why}${why.endsWith('proxy') ? ', which fetch cannot use' : ''}`);
		}

		expect(target.requests).toEqual([]);
	});

	it('keeps the user\'s NODE_OPTIONS and loads from a path with spaces, quotes and backslashes', async () => {
		const directory = await mkdtemp(path.join(tmpdir(), 'nightcrawler run "quoted" \\dir '));
		cleanups.add(async () => rm(directory, {recursive: true, force: true}));
		await symlink(path.dirname(preloadPath), path.join(directory, 'run'));
		const parent = {...cleanEnv(), NODE_OPTIONS: '--title=nightcrawler-run-test'};
		const env = {...parent, ...proxyEnv([{url: 'socks5h://127.0.0.1:1', httpUrl: 'http://127.0.0.1:1'}], {parentEnv: parent, preloadPath: path.join(directory, 'run', path.basename(preloadPath))})};
		const probe = 'console.log(process.title, globalThis[Symbol.for("undici.globalDispatcher.1")]?.constructor.name)';
		const result = await runWith(env, process.execPath, ['-e', probe]);
		expect(result.stderr).toBe('');
		expect(result.stdout).toBe('nightcrawler-run-test EnvHttpProxyAgent');
	});
});
