import {shortProxyUrl} from '../../source/ui/short-proxy-url.js';
import {describe, expect, it} from 'vitest';
import type {Client} from '../../source/core/client.js';
import {Provider} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import type {ProxyEndpoint} from '../../source/pool/pool-backend.js';
import {ClientApp} from '../../source/ui/client-app.js';
import {expectFits, setupInkTestbed} from '../helpers/ink.js';
import {testNamespace} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';

const ink = setupInkTestbed();

/** A pool whose rotations wait until `open()`. */
class GatedRotations extends MemoryBackend {
	private release: () => void = () => undefined;
	private readonly gate = new Promise<void>(resolve => {
		this.release = resolve;
	});

	override async rotate(id: string): Promise<ProxyEndpoint> {
		await this.gate;
		return super.rotate(id);
	}

	open(): void {
		this.release();
	}
}
const down = '\u001B[B';

async function setup({count = 2, provider = true, rotateDelayMs = 0} = {}) {
	const namespace = testNamespace();
	if (provider) {
		await ink.provider(namespace, {rotateDelayMs});
	}

	const client = await ink.client(namespace);
	let quits = 0;
	const counts: number[] = [];
	const {app, frame} = ink.render(<ClientApp client={client} count={count} redisUrl={ink.redisUrl} namespace={namespace} onQuit={() => {
		quits++;
	}} onCountChange={n => counts.push(n)}/>);
	return {client, app, frame, namespace, counts, quits: () => quits};
}

function exits(client: Client): string[] {
	return client.proxies().map(proxy => proxy.exitIp!);
}

function escape(text: string): string {
	return text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The proxies table of a frame, without the log below it. */
function table(frame: string): string {
	return frame.slice(frame.indexOf('Proxies ('), frame.indexOf('\nLog\n'));
}

/** Every leased proxy of the client has its table row: URL, exit IP, provider. */
function rowsShown(client: Client, frame: string, count: number): boolean {
	const proxies = client.proxies();
	// The screen never shows a password: the URL is shortened (shortProxyUrl).
	return proxies.length === count && proxies.every(proxy => !frame.includes(proxy.credentials.password) && new RegExp(`${escape(shortProxyUrl(proxy.url))} +${escape(proxy.exitIp!)} +${proxy.clusterId.slice(0, 8)}`).test(frame));
}

describe('ClientApp', () => {
	it('says prominently that no provider answers, and for how long', async () => {
		const {frame} = await setup({count: 1, provider: false});
		await waitFor(() => /No provider has answered for [1-9]\d*s: still asking on namespace test-/.test(frame()) && /waiting for a provider… [1-9]\d*s/.test(frame()), {message: 'the waiting banner'});
		expectFits(frame(), 80, 24);
		expect(frame()).toContain('wanted 1 · leased 0 · waiting 1');
	});

	it('leases N proxies at mount and shows their URL and exit IP', async () => {
		const {client, frame} = await setup({count: 2});
		await waitFor(() => rowsShown(client, frame(), 2) && frame().includes('wanted 2 · leased 2 · waiting 0'), {message: 'two leased rows'});
		expect(frame()).not.toContain('No provider');
		expectFits(frame(), 80, 24);
	});

	it('d destroys the selected proxy and leases a replacement', async () => {
		const {client, app, frame} = await setup({count: 2});
		await waitFor(() => rowsShown(client, frame(), 2), {message: 'two leased rows'});
		app.stdin.write(down);
		const second = client.proxies()[1]!;
		await waitFor(() => frame().split('\n').some(line => line.startsWith('> ') && line.includes(second.exitIp!)), {message: 'the second row selected'});
		const gone = second.exitIp!;
		app.stdin.write('d');
		await waitFor(() => !table(frame()).includes(gone) && rowsShown(client, frame(), 2) && client.snapshot().length === 2, {message: 'the replacement'});
		expect(exits(client)).not.toContain(gone);
		expect(frame()).toContain('wanted 2 · leased 2');
	});

	it('r rotates the selected proxy to a new exit, on the same lease', async () => {
		const {client, app, frame, namespace} = await setup({count: 1, provider: false});
		// The rotation waits until the test has seen 'rotating…', however slow the screen is to draw it.
		const backend = new GatedRotations({count: 3});
		const provider = new Provider({redis: ink.redisUrl, namespace, backend});
		try {
			await provider.connect();
			await provider.createCluster();
			provider.startProviding();
			const proxy = await waitFor(() => (rowsShown(client, frame(), 1) ? client.proxies()[0] : undefined), {message: 'a leased row'});
			const before = proxy.exitIp!;
			app.stdin.write('r');
			await waitFor(() => table(frame()).includes('rotating…'), {message: 'rotating…'});
			backend.open();
			await waitFor(() => proxy.exitIp !== before && rowsShown(client, frame(), 1) && !frame().includes('rotating…') && frame().includes(`${before} → ${proxy.exitIp!}`), {message: 'the new exit'});
			expect(client.proxies()[0]!.leaseId).toBe(proxy.leaseId);
		} finally {
			await client.close();
			await provider.stop();
		}
	});

	it('+ and - change how many proxies are kept', async () => {
		const {client, app, frame, counts} = await setup({count: 1});
		await waitFor(() => rowsShown(client, frame(), 1), {message: 'one proxy'});
		app.stdin.write('+');
		await waitFor(() => client.proxies().length === 2 && frame().includes('wanted 2 · leased 2'), {message: 'two proxies'});
		app.stdin.write('-');
		await waitFor(() => client.proxies().length === 1 && client.snapshot().length === 1 && frame().includes('wanted 1 · leased 1'), {message: 'one proxy again'});
		expect(counts).toEqual([2, 1]);
	});

	it('calls onQuit on q and Ctrl-C', async () => {
		const {app, frame, quits} = await setup({count: 0});
		await waitFor(() => frame().includes('press + to lease one'), {message: 'the empty table'});
		app.stdin.write('q');
		await waitFor(() => quits() === 1, {message: 'onQuit'});
		app.stdin.write('\u0003');
		await waitFor(() => quits() === 2, {message: 'onQuit on Ctrl-C'});
	});
});
