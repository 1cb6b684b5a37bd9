import {beforeAll, describe, expect, inject, it} from 'vitest';
import {openConnectTunnel} from '../helpers/connect-tunnel.js';
import {openTunnel} from '../helpers/front-tunnel.js';
import {waitFor} from '../helpers/wait-for.js';
import {exitOf, viaChromium, viaCurl, viaHttpx, viaNodeFetch, viaRequests} from '../helpers/gateway-tools.js';
import {setupGatewayTestbed} from '../helpers/gateway-testbed.js';

// Three proxies for the whole file: the testbed gives each test's sessions' leases back.
const testbed = setupGatewayTestbed({proxies: 3, sessionPorts: 2});
let url: string;

beforeAll(() => {
	url = inject('testnet').checkHostUrl;
});

const http = (user: string) => `http://${user}:x@127.0.0.1:${testbed.at.httpPort}`;
const socks = (user: string, scheme = 'socks5h') => `${scheme}://${user}:x@127.0.0.1:${testbed.at.socksPort}`;

async function api(method: string, path: string): Promise<{status: number; body: Record<string, unknown>}> {
	const response = await fetch(`http://127.0.0.1:${testbed.at.apiPort}${path}`, {method});
	const text = await response.text();
	return {status: response.status, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown>};
}

function sessionExit(key: string): string | undefined {
	return testbed.gateway.table.get(key)?.exitIp;
}

describe('the gateway on the private Tor network', () => {
	it('curl: socks5h, HTTP absolute-URI and CONNECT all leave from the session\'s one exit', async () => {
		const {exits} = inject('testnet');
		const seen = [
			exitOf(await viaCurl(socks('session-a'), url)),
			exitOf(await viaCurl(http('session-a'), url)),
			exitOf(await viaCurl(http('session-a'), url, {tunnel: true})),
			exitOf(await viaCurl(socks('session-a'), url)),
		];
		expect(exits).toContain(seen[0]);
		expect(new Set(seen)).toEqual(new Set([sessionExit('a')]));
	});

	it('two keys, two exits; the session list shows both', async () => {
		await viaCurl(http('session-a'), url);
		const a = exitOf(await viaCurl(http('session-a'), url));
		const b = exitOf(await viaCurl(socks('session-b'), url));
		expect(a).toBeDefined();
		expect(b).toBeDefined();
		expect(a).not.toBe(b);
		const {body} = await api('GET', '/sessions');
		const listed = Object.values(body).map(entry => (entry as {key: string; exitIp: string}));
		expect(listed.find(entry => entry.key === 'a')?.exitIp).toBe(a);
		expect(listed.find(entry => entry.key === 'b')?.exitIp).toBe(b);
		expect((await api('GET', '/health')).body.status).toBe('ok');
	});

	it('rotate and failure answer a verified different exit, which the next request leaves from', async () => {
		await viaCurl(http('session-a'), url);
		const before = exitOf(await viaCurl(http('session-a'), url));
		const rotated = await api('POST', '/sessions/a/rotate');
		expect(rotated.status).toBe(200);
		expect(rotated.body.previousExitIp).toBe(before);
		expect(rotated.body.exitIp).not.toBe(before);
		expect(exitOf(await viaCurl(http('session-a'), url))).toBe(rotated.body.exitIp);
		const failed = await api('POST', '/sessions/a/failure');
		expect(failed.status).toBe(200);
		expect(failed.body.exitIp).not.toBe(rotated.body.exitIp);
		expect(failed.body.failures).toBe(1);
		expect(exitOf(await viaCurl(socks('session-a'), url))).toBe(failed.body.exitIp);
		expect((await api('POST', '/sessions/nope/rotate')).status).toBe(404);
	});

	it('a rotate closes the session\'s open connections (an HTTP CONNECT tunnel and a SOCKS5 one, held open), and the next request leaves from the new exit', async () => {
		const {checkHost, checkHostUrl} = inject('testnet');
		const before = exitOf(await viaCurl(http('session-kept'), url));
		expect(before).toBeDefined();
		// Tunnels to the echo server with nothing sent: it keeps such a connection for a minute.
		const target = `${checkHost}:${new URL(checkHostUrl).port}`;
		const viaHttp = await openConnectTunnel({host: '127.0.0.1', port: testbed.at.httpPort}, target, {username: 'session-kept', password: 'x'});
		const viaSocks = await openTunnel('127.0.0.1', testbed.at.socksPort, {username: 'session-kept', password: 'x'});
		await waitFor(() => testbed.gateway.table.get('kept')?.connections === 2, {message: 'the two tunnels counted (and curl\'s gone)'});
		expect([viaHttp.socket.destroyed, viaSocks.socket.destroyed]).toEqual([false, false]);
		// The gateway closes them itself (the provider's front, rotating, would close its side too).
		const revoked: Array<[string, number]> = [];
		const onRevoked = (key: string, count: number) => revoked.push([key, count]);
		testbed.gateway.front.on('revoked', onRevoked);
		const rotating = Date.now();
		const rotated = api('POST', '/sessions/kept/rotate').finally(() => testbed.gateway.front.off('revoked', onRevoked));
		// Closed by the rotate, well before the echo server would have closed them.
		let closed: number[] | undefined;
		void Promise.all([viaHttp.closed, viaSocks.closed]).then(times => {
			closed = times;
		});
		const closedAt = await waitFor(() => closed, {timeoutMs: 30_000, message: 'the tunnels closed by the rotate'});
		expect(Math.min(...closedAt)).toBeGreaterThanOrEqual(rotating);
		const {status, body} = await rotated;
		expect(status).toBe(200);
		expect(body.previousExitIp).toBe(before);
		expect(body.exitIp).not.toBe(before);
		expect(revoked[0]).toEqual(['kept', 2]);
		expect(exitOf(await viaCurl(http('session-kept'), url))).toBe(body.exitIp);
	});

	it('DELETE drops a session and gives its lease back', async () => {
		await viaCurl(http('session-c'), url);
		expect(testbed.gateway.table.get('c')).toBeDefined();
		expect((await api('DELETE', '/sessions/c')).status).toBe(200);
		expect(testbed.gateway.table.get('c')).toBeUndefined();
		expect((await api('DELETE', '/sessions/c')).status).toBe(404);
	});

	it('Python requests and httpx, over the HTTP proxy and over SOCKS, keep the session\'s exit', async () => {
		const seen = [
			exitOf(await viaRequests(http('session-py'), url)),
			exitOf(await viaRequests(socks('session-py'), url)),
			exitOf(await viaHttpx(http('session-py'), url)),
			exitOf(await viaHttpx(socks('session-py', 'socks5'), url)),
		];
		expect(seen[0]).toBeDefined();
		expect(new Set(seen)).toEqual(new Set([sessionExit('py')]));
	});

	it('Node\'s built-in fetch through undici\'s ProxyAgent keeps the session\'s exit', async () => {
		const first = exitOf(await viaNodeFetch(http('session-node'), url));
		expect(first).toBeDefined();
		expect(exitOf(await viaNodeFetch(http('session-node'), url))).toBe(first);
		expect(sessionExit('node')).toBe(first);
	});

	it('per-port sessions stick per port, with no credentials: curl and Chromium headless', async () => {
		const ports = testbed.at.sessionPorts!;
		const first = exitOf(await viaCurl(`http://127.0.0.1:${ports.first}`, url));
		const second = exitOf(await viaCurl(`socks5h://127.0.0.1:${ports.last}`, url));
		expect(first).toBeDefined();
		expect(second).toBeDefined();
		// Two ports, two sessions, two leases; their exits differ unless the cluster ran out of exits
		// (a failure reported above keeps one of the network's four avoided) and the lease says so.
		const [one, two] = [testbed.gateway.table.get(`:port-${ports.first}`)!, testbed.gateway.table.get(`:port-${ports.last}`)!];
		expect(one.key).not.toBe(two.key);
		expect(one.leaseId).not.toBe(two.leaseId);
		expect(one.proxyId).not.toBe(two.proxyId);
		// The same exit for both only when a lease says its exit is shared (never silently).
		expect({sameExit: first === second, sharedExit: one.sharedExit || two.sharedExit}).not.toEqual({sameExit: true, sharedExit: false});

		expect(exitOf(await viaChromium(ports.first, url))).toBe(first);
		expect(exitOf(await viaCurl(`socks5h://127.0.0.1:${ports.first}`, url))).toBe(first);
		expect(sessionExit(`:port-${ports.first}`)).toBe(first);
	}, 120_000);
});
