import {describe, expect, it} from 'vitest';
import {ProviderApp} from '../../source/ui/provider-app.js';
import {expectFits, resize, setupInkTestbed} from '../helpers/ink.js';
import {testNamespace} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';

const ink = setupInkTestbed();
const up = '\u001B[A';
const down = '\u001B[B';

async function setup({columns = 80, rows = 24} = {}) {
	const namespace = testNamespace();
	const provider = await ink.provider(namespace);
	let quits = 0;
	const {app, frame} = ink.render(<ProviderApp provider={provider} redisUrl={ink.redisUrl} namespace={namespace} onQuit={() => {
		quits++;
	}}/>, {columns, rows});
	const client = async () => ink.client(namespace);
	return {provider, app, frame, client, namespace, quits: () => quits};
}

describe('ProviderApp', () => {
	it('shows the pool, then a lease with its exit IP, link and heartbeat; it disappears on destroy', async () => {
		const {provider, frame, client} = await setup();
		await waitFor(() => ['mem-0', 'mem-1', 'mem-2'].every(id => frame().includes(id)) && frame().includes('instances 3/3 ready'), {message: 'the pool'});
		const c = await client();
		const proxy = await c.getProxy();
		const text = await waitFor(() => {
			const current = frame();
			return current.includes('leased') && current.includes(proxy.exitIp!) && current.includes(c.id.slice(0, 8)) && /\bok\b/.test(current) ? current : undefined;
		}, {message: 'the leased row'});
		expect(text).toMatch(new RegExp(`${proxy.proxyId}\\s+\\d+\\s+\\d+\\s+leased\\s+${proxy.exitIp!.replaceAll('.', '\\.')}`));
		expect(text).toContain('1 leased');
		expectFits(text, 80, 24);
		expect(provider.leases()).toHaveLength(1);

		await proxy.destroy();
		await waitFor(() => frame().includes('no leases') && frame().includes(`released ${proxy.proxyId}`), {message: 'the lease to go'});
		expect(frame()).toContain('0 leased');
	});

	it('rotates and restarts the selected instance', async () => {
		const {provider, app, frame} = await setup();
		await waitFor(() => frame().includes('> mem-0'), {message: 'mem-0 selected'});
		app.stdin.write(down);
		await waitFor(() => frame().includes('> mem-1'), {message: 'mem-1 selected'});
		const before = provider.instances().find(instance => instance.id === 'mem-1')!.exitIp!;
		app.stdin.write('r');
		const after = await waitFor(() => {
			const exitIp = provider.instances().find(instance => instance.id === 'mem-1')!.exitIp!;
			return exitIp !== before && frame().includes(`${before} → ${exitIp}`) && frame().includes(exitIp) ? exitIp : undefined;
		}, {message: 'the rotation in the log'});
		const row = new RegExp(`mem-1 .*ready +${after.replaceAll('.', '\\.')} .* 1\\n`);
		await waitFor(() => row.test(frame()), {message: 'the new exit in the pool row'});
		app.stdin.write(up);
		await waitFor(() => frame().includes('> mem-0'), {message: 'mem-0 selected again'});
		app.stdin.write('x');
		await waitFor(() => frame().includes('mem-0 down: killed') && provider.instances()[0]!.restarts === 1, {message: 'the restart'});
	});

	it('calls onQuit on q and Ctrl-C', async () => {
		const {app, frame, quits} = await setup();
		await waitFor(() => frame().includes('q quit'), {message: 'the footer'});
		app.stdin.write('q');
		await waitFor(() => quits() === 1, {message: 'onQuit'});
		app.stdin.write('\u0003');
		await waitFor(() => quits() === 2, {message: 'onQuit on Ctrl-C'});
	});

	it('fits 80x24 with many leases, and uses more room when there is more', async () => {
		const {app, frame, client} = await setup();
		const c = await client();
		await Promise.all([c.getProxy(), c.getProxy(), c.getProxy()]);
		await waitFor(() => frame().includes('3 leased'), {message: 'three leases'});
		expectFits(frame(), 80, 24);
		resize(app.stdout, 40, 24);
		await waitFor(() => frame().includes('Heartbeats') && frame().split('\n').every(line => line.length <= 40), {message: 'a 40-column frame'});
		expectFits(frame(), 40, 24);
		resize(app.stdout, 120, 40);
		await waitFor(() => frame().split('\n').some(line => line.length > 80), {message: 'a wider frame'});
		expectFits(frame(), 120, 40);
	});
});
