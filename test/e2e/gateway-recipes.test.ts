import {readFile} from 'node:fs/promises';
import {execa} from 'execa';
import {beforeAll, describe, expect, inject, it} from 'vitest';
import {exitOf} from '../helpers/gateway-tools.js';
import {setupGatewayTestbed} from '../helpers/gateway-testbed.js';

const testbed = setupGatewayTestbed({proxies: 2, sessionPorts: 1, defaultSession: 'none'});
let url: string;
let readme: string;

beforeAll(async () => {
	url = inject('testnet').checkHostUrl;
	readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
});

const sessionPort = () => testbed.at.sessionPorts!.first;

/** The README's code block whose first line starts with `firstLine`, pointed at this gateway, the check page and `key`. */
function recipe(firstLine: string, key: string): string {
	const block = [...readme.matchAll(/```\w*\n([\s\S]*?)```/g)].map(match => match[1]!).find(code => code.startsWith(firstLine));
	expect(block, `README recipe "${firstLine}"`).toBeDefined();
	return block!
		.replaceAll('127.0.0.1:8118', `127.0.0.1:${testbed.at.httpPort}`)
		.replaceAll('127.0.0.1:1080', `127.0.0.1:${testbed.at.socksPort}`)
		.replaceAll('127.0.0.1:8119', `127.0.0.1:${testbed.at.apiPort}`)
		.replaceAll('127.0.0.1:24000', `127.0.0.1:${sessionPort()}`)
		.replaceAll('https://api.ipify.org', url)
		.replaceAll('session-shop1', `session-${key}`)
		.replaceAll('/sessions/shop1/', `/sessions/${key}/`);
}

/** The exit of session `key` as the control API lists it. */
async function listedExit(key: string): Promise<string | undefined> {
	const response = await fetch(`http://127.0.0.1:${testbed.at.apiPort}/sessions`);
	const sessions = Object.values(await response.json() as Record<string, {key: string; exitIp: string}>);
	return sessions.find(session => session.key === key)?.exitIp;
}

describe('the README\'s recipes, run as written, through the gateway on the private Tor network', () => {
	it('curl: the README\'s three lines as written: HTTP and SOCKS5 on the session\'s exit, then a rotate to another verified exit', async () => {
		const lines = recipe('curl -x http://', 'curl').trim().split('\n').map(line => line.replace(/\s+#.*$/, ''));
		expect(lines).toHaveLength(3);
		const outputs = [];
		for (const line of lines) {
			// eslint-disable-next-line no-await-in-loop
			outputs.push((await execa('bash', ['-c', `${line} --silent --show-error --max-time 60`], {timeout: 90_000})).stdout);
		}

		const [http, socks, rotated] = outputs as [string, string, string];
		expect(exitOf(socks), JSON.stringify(outputs)).toBeDefined();
		const exit = exitOf(http);
		expect(inject('testnet').exits).toContain(exit);
		expect(exitOf(socks)).toBe(exit);
		const answer = JSON.parse(rotated) as {exitIp: string; previousExitIp: string};
		expect(answer.previousExitIp).toBe(exit);
		expect(answer.exitIp).not.toBe(exit);
		expect(await listedExit('curl')).toBe(answer.exitIp);
	}, 180_000);

	it('requests and httpx: the README\'s lines as written leave from the session\'s exit', async () => {
		// The block only makes the requests: print what each answers.
		const script = recipe('import requests, httpx', 'py').split('\n')
			.map(line => (/^(requests|httpx)\.get\(/.test(line) ? `print(${line.replace(/\s+#.*$/, '')}.text)` : line))
			.join('\n');
		const {stdout} = await execa('/usr/bin/python3', ['-c', script], {timeout: 90_000});
		const exits = stdout.trim().split('\n').map(line => exitOf(line));
		expect(exits).toHaveLength(2);
		expect(inject('testnet').exits).toContain(exits[0]);
		expect(exits[1]).toBe(exits[0]);
		expect(await listedExit('py')).toBe(exits[0]);
	}, 120_000);

	it('Node fetch through undici\'s ProxyAgent: the README\'s lines as written leave from the session\'s exit', async () => {
		// The block only fetches: print what it answers.
		const script = recipe('// Node\'s built-in fetch', 'node').replace(/^await (fetch\(.*\));$/m, 'console.log(await (await $1).text());');
		expect(script).toContain('console.log(await (await fetch(');
		const exit = exitOf((await runNode(script)).stdout);
		expect(inject('testnet').exits).toContain(exit);
		expect(await listedExit('node')).toBe(exit);
	}, 120_000);

	it('Scrapy: the proxy per request (meta), then for the whole crawl (http_proxy), stays on the session\'s exit', async () => {
		const spider = recipe('# Scrapy', 'scrapy');
		const perRequest = await execa('/usr/bin/python3', ['-c', spider], {timeout: 90_000});
		const exit = exitOf(perRequest.stdout);
		expect(inject('testnet').exits).toContain(exit);
		expect(await listedExit('scrapy')).toBe(exit);
		// The README's other way: no meta, the proxy (with its credentials) from the environment.
		const withoutMeta = spider.replace(/, meta=\{"proxy": "[^"]*"\}/, '');
		expect(withoutMeta).not.toContain('meta=');
		const proxy = `http://session-scrapy:x@127.0.0.1:${testbed.at.httpPort}`;
		const fromEnvironment = await execa('/usr/bin/python3', ['-c', withoutMeta], {timeout: 90_000, env: {http_proxy: proxy, https_proxy: proxy}});
		expect(exitOf(fromEnvironment.stdout)).toBe(exit);
		expect(await listedExit('scrapy')).toBe(exit);
	}, 180_000);

	it('Playwright (Node): with --default-session none, the proxy option\'s username picks the session, and stays on its exit', async () => {
		const script = recipe('// Playwright (Node', 'pw');
		expect(script).toContain('username: \'session-pw\'');
		const first = exitOf((await runNode(script)).stdout);
		expect(inject('testnet').exits).toContain(first);
		expect(await listedExit('pw')).toBe(first);
		expect(exitOf((await runNode(script)).stdout)).toBe(first);
	}, 120_000);

	it('Playwright (Node): on a session port, without credentials, leaves from that port\'s session\'s exit', async () => {
		const script = recipe('// Playwright (Node', 'pw').replace(
			`proxy: {server: 'http://127.0.0.1:${testbed.at.httpPort}', username: 'session-pw', password: 'x'}`,
			`proxy: {server: 'http://127.0.0.1:${sessionPort()}'}`,
		);
		expect(script).not.toContain('username');
		const exit = exitOf((await runNode(script)).stdout);
		expect(inject('testnet').exits).toContain(exit);
		expect(await listedExit(`:port-${sessionPort()}`)).toBe(exit);
	}, 120_000);

	it('Chromium: the README\'s command as written, on a session port, leaves from that port\'s session\'s exit', async () => {
		const command = recipe('# Chromium', 'chromium').split('\n').filter(line => line.startsWith('chromium ')).join('\n');
		expect(command).toContain(`--proxy-server=http://127.0.0.1:${sessionPort()}`);
		const {stdout} = await execa('bash', ['-c', command], {timeout: 90_000});
		const exit = exitOf(stdout);
		expect(inject('testnet').exits).toContain(exit);
		expect(await listedExit(`:port-${sessionPort()}`)).toBe(exit);
	}, 120_000);

	it('--default-session none: a connection without credentials is asked for them (HTTP 407, SOCKS5 no acceptable method), another username refused', async () => {
		const curl = async (...args: string[]) => execa('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '30', ...args, url], {reject: false});
		const asked = await curl('-x', `http://127.0.0.1:${testbed.at.httpPort}`);
		expect(asked.stdout).toBe('407');
		const other = await curl('-x', `http://someone:x@127.0.0.1:${testbed.at.httpPort}`);
		expect(other.stdout).toBe('407');
		const socks = await curl('-x', `socks5h://127.0.0.1:${testbed.at.socksPort}`);
		expect(socks.exitCode).not.toBe(0);
		expect(socks.stderr).toMatch(/authentication|method/i);
		expect(testbed.gateway.table.list()).toEqual([]);
	}, 60_000);
});

async function runNode(script: string) {
	return execa('node', ['--input-type=module', '-e', script], {timeout: 90_000, cwd: new URL('../..', import.meta.url)});
}
