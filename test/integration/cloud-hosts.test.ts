import {afterEach, describe, expect, it} from 'vitest';
import {execa} from 'execa';
import {createHosts, hostsSkipReason, listTestNamespaces, sweepStaleHosts, type Host, type TestNetwork} from '../helpers/hosts.js';

const skipReason = await hostsSkipReason('test hosts (network namespaces)');

/** A one-line TCP server inside a host: answers "hello from <address>" and exits after one connection. */
const serverScript = `
const net = require('node:net');
const server = net.createServer(socket => { socket.end('hello from ' + socket.localAddress); server.close(); });
server.listen(Number(process.argv[2]), process.argv[1], () => console.log('listening'));
`;
const clientScript = `
const net = require('node:net');
const socket = net.connect(Number(process.argv[2]), process.argv[1]);
let data = ''; socket.on('data', chunk => { data += chunk; });
socket.on('end', () => { console.log(data); });
socket.on('error', error => { console.error(error.code); process.exitCode = 2; });
socket.setTimeout(3000, () => { console.error('ETIMEDOUT'); socket.destroy(); process.exitCode = 3; });
`;

/**
 * Whether `from` reaches `address` at the IP level: a TCP connection to a closed port is refused by
 * a reachable host (ECONNREFUSED), and fails otherwise (no route, timeout). No ping on the machine.
 */
async function reaches(from: Host, address: string): Promise<boolean> {
	const result = await from.run('node', ['-e', clientScript, address, '9'], {reject: false});
	return String(result.stderr).trim() === 'ECONNREFUSED';
}

describe.skipIf(skipReason)('test hosts', () => {
	let network: TestNetwork | undefined;
	afterEach(async () => {
		await network?.destroy();
		network = undefined;
	});

	it('gives each host an address on one private bridge, reachable from the others, and nothing else', async () => {
		network = await createHosts(['alpha', 'beta']);
		const [alpha, beta] = network.hosts;
		expect(alpha!.address).toMatch(/^10\.\d+\.\d+\.10$/);
		expect(beta!.address).toMatch(/^10\.\d+\.\d+\.11$/);

		expect(await reaches(alpha!, beta!.address)).toBe(true);

		const server = beta!.run('node', ['-e', serverScript, beta!.address, '4567'], {reject: false});
		try {
			await new Promise<void>((resolve, reject) => {
				server.stdout?.once('data', () => {
					resolve();
				});
				server.once('exit', () => {
					reject(new Error('the server ended before listening'));
				});
			});
			const client = await alpha!.run('node', ['-e', clientScript, beta!.address, '4567']);
			expect(client.stdout).toBe(`hello from ${beta!.address}`);
		} finally {
			server.kill();
			await server;
		}

		// No default route: only the bridge's /24 (and loopback).
		const routes = await alpha!.run('ip', ['route']);
		expect(String(routes.stdout)).not.toMatch(/default/);
		expect(String(routes.stdout).trim().split('\n')).toHaveLength(1);
		expect(await reaches(alpha!, '192.0.2.1')).toBe(false);
		expect(await reaches(alpha!, '127.0.0.1')).toBe(true);
	});

	it('cuts and restores a host\'s link; extra addresses answer too', async () => {
		network = await createHosts(['alpha', 'beta']);
		const [alpha, beta] = network.hosts;
		const extra = await beta!.addAddress();
		expect(await reaches(alpha!, extra)).toBe(true);
		await beta!.setLink('down');
		expect(await reaches(alpha!, beta!.address)).toBe(false);
		// Loopback still works on the cut host.
		expect(await reaches(beta!, '127.0.0.1')).toBe(true);
		await beta!.setLink('up');
		expect(await reaches(alpha!, beta!.address)).toBe(true);
	});

	it('tears down every namespace (the bridge with them) and every process left in a host', async () => {
		network = await createHosts(['alpha', 'beta', 'gamma']);
		const names = network.hosts.map(host => host.namespace);
		const mine = (await listTestNamespaces()).filter(name => names.some(host => host.startsWith(name.replace(/-switch$/, ''))));
		expect(mine).toHaveLength(4);
		const sleeper = network.host('gamma').run('sleep', ['600'], {reject: false});
		await expect.poll(async () => network!.host('gamma').pids(), {timeout: 10_000}).toHaveLength(1);
		await network.destroy();
		await network.destroy();
		network = undefined;
		const result = await sleeper;
		expect(result.signal).toBe('SIGTERM');
		const left = await listTestNamespaces();
		for (const name of mine) {
			expect(left).not.toContain(name);
		}
	});

	it('sweeps namespaces left by a run whose process is gone, not those of a live run', async () => {
		const dead = execa('true');
		await dead;
		const stale = `nct-${dead.pid}-dead-switch`;
		await execa('ip', ['netns', 'add', stale]);
		network = await createHosts(['alpha']);
		const left = await listTestNamespaces();
		expect(left).not.toContain(stale);
		expect(left).toContain(network.host('alpha').namespace);
		expect(await sweepStaleHosts()).toEqual([]);
	});
});
