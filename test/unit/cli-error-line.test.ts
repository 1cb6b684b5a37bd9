import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {errorLine} from '../../source/cli/error-line.js';
import {portTaken, type PortFlag} from '../../source/cli/port-taken-error.js';
import {PortInUseError} from '../../source/tor/errors/port-in-use-error.js';
import {withTakenPort} from '../helpers/taken-port.js';

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

const gatewayFlags = (port: number, socksPort: number, apiPort: number, sessionPorts?: {first: number; last: number}): PortFlag[] => [
	{flag: '--port', ports: port, zeroIsFree: true},
	{flag: '--socks-port', ports: socksPort, zeroIsFree: true},
	{flag: '--api-port', ports: apiPort, zeroIsFree: true},
	{flag: '--session-ports', ports: sessionPorts, zeroIsFree: false},
];

describe('errorLine for a port in use', () => {
	it('gateway: names the flag that chose the port, a default one too', async () => withTakenPort(async port => {
		const error = await addressInUse('127.0.0.1', port);
		expect(errorLine(portTaken(error, gatewayFlags(8118, port, 8119)))).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or pick another --socks-port (0: a free one)`);
		expect(errorLine(portTaken(error, gatewayFlags(port, 1080, 8119)))).toContain('pick another --port (0: a free one)');
		expect(errorLine(portTaken(error, gatewayFlags(8118, 1080, port)))).toContain('pick another --api-port (0: a free one)');
		expect(errorLine(portTaken(error, gatewayFlags(8118, 1080, 8119, {first: port - 1, last: port + 1})))).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or pick another --session-ports`);
		// Wrapped in another error, as a start() may.
		expect(errorLine(portTaken(new Error('could not start', {cause: error}), gatewayFlags(8118, port, 8119)))).toContain('pick another --socks-port');
	}));

	it('provider: its front\'s flags', async () => withTakenPort(async port => {
		const error = await addressInUse('127.0.0.1', port);
		const flags: PortFlag[] = [{flag: '--socks-port', ports: undefined, zeroIsFree: false}, {flag: '--http-port', ports: port, zeroIsFree: false}];
		expect(errorLine(portTaken(error, flags))).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or pick another --http-port (or leave it out to use a free one)`);
	}));

	it('no flag named when none chose the port; never --base-port for a port it did not choose', async () => withTakenPort(async port => {
		const error = await addressInUse('127.0.0.1', port);
		expect(errorLine(error)).toBe(`port ${port} on 127.0.0.1 is in use: stop what uses it or pick another port`);
		expect(errorLine(portTaken(error, gatewayFlags(8118, 1080, 8119)))).not.toContain('--');
		expect(portTaken(new Error('other'), gatewayFlags(8118, 1080, 8119))).toBeInstanceOf(Error);
		expect(errorLine(portTaken(new Error('other'), []))).toBe('other');
	}));

	it('keeps the Tor pool\'s own message (--base-port)', () => {
		expect(errorLine(new PortInUseError(9050, '127.0.0.1'))).toBe('port 9050 on 127.0.0.1 is in use: pick another --base-port, or leave it out to use free ports');
	});
});
