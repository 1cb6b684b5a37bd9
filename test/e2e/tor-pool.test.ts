import {describe, expect, inject, it} from 'vitest';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import type {ProxyDownError} from '../../source/core/errors/proxy-down-error.js';
import {isAlive} from '../helpers/cli.js';
import {exitViaConnect, exitViaSocks} from '../helpers/tor-provider.js';
import {setupTorTestbed} from '../helpers/tor-testbed.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

const testbed = setupTorTestbed({count: 3});
const {clientCleanups, client} = testbed;

describe('leases of real Tor instances on the private network', () => {
	it('3 leases, 3 different exits, each announced exit is where SOCKS5 and HTTP CONNECT traffic leaves from', async () => {
		const {exits} = inject('testnet');
		const proxies = await Promise.all([client(), client(), client()].map(async created => (await created).getProxy({timeoutMs: 30_000})));
		const announced = proxies.map(proxy => proxy.exitIp);
		expect(new Set(announced).size).toBe(3);
		for (const proxy of proxies) {
			expect(exits).toContain(proxy.exitIp);
			// A provider without a front (the library's choice): the proxy's own ports, the lease's credentials.
			const {username, password} = proxy.credentials;
			expect(proxy.url).toBe(`socks5h://${username}:${password}@127.0.0.1:${proxy.port}`);
			expect(proxy.httpUrl).toBe(`http://${username}:${password}@127.0.0.1:${proxy.httpPort}`);
			// eslint-disable-next-line no-await-in-loop
			expect(await exitViaSocks(proxy.host, proxy.port)).toBe(proxy.exitIp);
			// eslint-disable-next-line no-await-in-loop
			expect(await exitViaConnect(proxy.host, proxy.httpPort!)).toBe(proxy.exitIp);
		}
	});

	it('a lease keeps its exit across many requests with fresh SOCKS credentials', async () => {
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		const seen = [];
		for (let index = 0; index < 12; index++) {
			// eslint-disable-next-line no-await-in-loop
			seen.push(await exitViaSocks(proxy.host, proxy.port));
		}

		expect(new Set(seen)).toEqual(new Set([proxy.exitIp]));
	});

	it('rotate keeps the lease and moves it to a verified different exit', async () => {
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		const others = new Set(testbed.pool.backend.snapshot().filter(instance => instance.id !== proxy.proxyId).map(instance => instance.exitIp));
		for (let round = 0; round < 3; round++) {
			const before = proxy.exitIp;
			// eslint-disable-next-line no-await-in-loop
			await proxy.rotate();
			expect(proxy.exitIp).not.toBe(before);
			expect(others.has(proxy.exitIp)).toBe(false);
			// eslint-disable-next-line no-await-in-loop
			expect(await exitViaSocks(proxy.host, proxy.port)).toBe(proxy.exitIp);
		}
	});

	it('destroy gives the instance a verified different exit before it is leased again', async () => {
		const leaser = await client();
		const proxy = await leaser.getProxy({timeoutMs: 30_000});
		const recycled = nextEvent<[{proxyId: string; previousExitIp?: string; exitIp?: string; reason: string}]>(testbed.pool.provider, 'rotated', 30_000);
		await proxy.destroy();
		const [rotation] = await recycled;
		expect(rotation).toMatchObject({proxyId: proxy.proxyId, previousExitIp: proxy.exitIp, reason: 'recycle'});
		expect(rotation.exitIp).toBeDefined();
		expect(rotation.exitIp).not.toBe(proxy.exitIp);
		const instance = testbed.pool.backend.snapshot().find(candidate => candidate.id === proxy.proxyId)!;
		expect(await exitViaSocks(instance.host, instance.port)).toBe(rotation.exitIp);
	});

	it('a SIGKILLed Tor is restarted, and its holder is told at once and leased another', async () => {
		const leaser = await client();
		leaser.createProxy();
		const [first] = await nextEvent<[ClientProxy]>(leaser, 'proxy-ready', 30_000);
		const victim = testbed.pool.backend.snapshot().find(instance => instance.id === first.proxyId)!;
		const down = nextEvent<[ProxyDownError]>(leaser, 'proxy-down', 10_000);
		const ready = new Promise<ClientProxy>(resolve => {
			leaser.on('proxy-ready', proxy => {
				if (proxy !== first) {
					resolve(proxy);
				}
			});
		});
		process.kill(victim.pid!, 'SIGKILL');
		const [error] = await down;
		expect(error.proxy).toBe(first);
		const second = await ready;
		expect(second.leaseId).not.toBe(first.leaseId);
		expect(await exitViaSocks(second.host, second.port)).toBe(second.exitIp);
		await waitFor(() => {
			const restarted = testbed.pool.backend.snapshot().find(instance => instance.id === victim.id)!;
			return restarted.state === 'ready' && restarted.pid !== victim.pid && restarted.restarts === victim.restarts + 1;
		}, {timeoutMs: 60_000, message: 'the killed instance to come back'});
		expect(isAlive(victim.pid!)).toBe(false);
	});
});
