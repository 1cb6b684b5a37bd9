import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {errorLine} from '../../source/cli/error-line.js';
import {PortInUseError} from '../../source/tor/errors/port-in-use-error.js';

/** The error Node gives when `port` on `host` is taken. */
async function addressInUse(host: string, port: number): Promise<Error> {
	const server = net.createServer();
	return new Promise((resolve, reject) => {
		server.once('error', resolve);
		server.listen({host, port}, () => {
			server.close();
			reject(new Error(`port ${port} was free`));
		});
	});
}

async function withTakenPort<T>(run: (port: number) => Promise<T>): Promise<T> {
	const holder = net.createServer();
	await new Promise<void>(resolve => {
		holder.listen({host: '127.0.0.1', port: 0}, resolve);
	});
	try {
		const address = holder.address();
		if (typeof address !== 'object' || !address) {
			throw new Error('no address');
		}

		return await run(address.port);
	} finally {
		holder.close();
	}
}

describe('errorLine for a port in use', () => {
	it.each([
		['gateway', '--socks-port', ' (0: a free one)'],
		['gateway', '--port', ' (0: a free one)'],
		['gateway', '--api-port', ' (0: a free one)'],
		['provider', '--socks-port', ' (or leave it out to use a free one)'],
		['provider', '--http-port', ' (or leave it out to use a free one)'],
	])('%s: names the flag that chose the port (%s)', async (command, flag, free) => withTakenPort(async port => {
		const error = await addressInUse('127.0.0.1', port);
		const argv = [command, '--redis', 'redis://127.0.0.1:6379', flag, String(port)];
		expect(errorLine(error, argv)).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or pick another ${flag}${free}`);
		expect(errorLine(error, [command, `${flag}=${port}`])).toContain(`pick another ${flag}`);
		expect(errorLine(new Error('could not start', {cause: error}), argv)).toContain(`pick another ${flag}`);
		expect(errorLine(error, argv)).not.toContain('--base-port');
	}));

	it('gateway: a port in --session-ports, and a default port of the gateway', async () => withTakenPort(async port => {
		const error = await addressInUse('127.0.0.1', port);
		expect(errorLine(error, ['gateway', '--session-ports', `${port - 1}-${port + 1}`])).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or pick another --session-ports`);
		const taken = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:1080'), {code: 'EADDRINUSE', port: 1080, address: '127.0.0.1'});
		expect(errorLine(taken, ['gateway'])).toContain('pick another --socks-port (0: a free one)');
		expect(errorLine(taken, ['gateway', '--socks-port', '1081'])).toContain('change --port, --socks-port, --api-port or --session-ports');
	}));

	it('names the command\'s port flags when it cannot tell which, and no flag without a command', async () => withTakenPort(async port => {
		const error = await addressInUse('127.0.0.1', port);
		expect(errorLine(error, ['provider'])).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or change --socks-port or --http-port`);
		expect(errorLine(error, ['testnet'])).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or pick another port`);
	}));

	it('keeps the Tor pool\'s own message (--base-port)', () => {
		expect(errorLine(new PortInUseError(9050, '127.0.0.1'), ['provider', '--base-port', '9050'])).toBe('port 9050 on 127.0.0.1 is in use: pick another --base-port, or leave it out to use free ports');
	});
});
