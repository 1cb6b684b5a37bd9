import net from 'node:net';
import {execa} from 'execa';
import {Provider, type ProviderOptions} from '../../source/core/provider.js';
import {Gateway, type GatewayOptions} from '../../source/gateway/gateway.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {SocksError} from '../../source/util/errors/socks-error.js';
import {socks5Handshake} from '../../source/util/socks5-handshake.js';
import type {Cleanups} from './cleanups.js';
import {startExitStandIns} from './exit-stand-ins.js';
import {startTestRedis, testNamespace} from './redis.js';

/**
 * A gateway on a cluster that relays: `count` memory proxies, each a stand-in exit (its answer names
 * it), behind a real provider's front, over a real redis-server.
 */
export async function relayCluster(cleanups: Cleanups, count: number, options: GatewayOptions, providerTimings?: ProviderOptions['timings']): Promise<{gateway: Gateway; provider: Provider; httpPort: number; socksPort: number; apiPort: number | undefined}> {
	const standIns = await startExitStandIns(count);
	cleanups.add(async () => standIns.close());
	const redis = await startTestRedis();
	cleanups.add(async () => redis.stop());
	const namespace = testNamespace();
	const provider = new Provider({redis: redis.url, namespace, backend: new MemoryBackend({count, basePort: standIns.basePort}), timings: providerTimings});
	cleanups.add(async () => provider.stop());
	await provider.start();
	const gateway = new Gateway({redis: redis.url, namespace, httpPort: 0, socksPort: 0, clientTimings: {requestIntervalMs: 200}, ...options});
	cleanups.add(async () => gateway.stop());
	const {httpPort, socksPort, apiPort} = await gateway.start();
	return {gateway, provider, httpPort, socksPort, apiPort};
}

/** curl through a proxy to a page the stand-in answers: its HTTP status, body, exit code and error line. */
export async function curlVia(proxy: string, extra: string[] = []) {
	const result = await execa('curl', ['-sS', '--max-time', '40', '-w', '\n%{http_code}', '-x', proxy, ...extra, 'http://exit.test/'], {reject: false});
	const lines = result.stdout.split('\n');
	const status = lines.pop() ?? '';
	return {status, body: lines.join('\n'), exitCode: result.exitCode, stderr: String(result.stderr)};
}

/** A SOCKS5 tunnel through the gateway, held open; `closed` resolves when the gateway (or the test) closes it. */
export async function openSocksTunnel(port: number, credentials: {username: string; password: string} | undefined): Promise<{socket: net.Socket; closed: Promise<void>}> {
	const socket = net.connect({host: '127.0.0.1', port});
	socket.on('error', () => undefined);
	const closed = new Promise<void>(resolve => {
		socket.once('close', () => {
			resolve();
		});
	});
	try {
		await new Promise((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('error', reject);
		});
		await socks5Handshake(socket, {host: 'exit.test', port: 80, ...credentials});
		return {socket, closed};
	} catch (error) {
		socket.destroy();
		throw error;
	}
}

/** A raw SOCKS5 handshake to the gateway: undefined when the tunnel opened (then closed), else the SocksError. */
export async function socksAttempt(port: number, credentials: {username: string; password: string} | undefined): Promise<SocksError | undefined> {
	try {
		const {socket} = await openSocksTunnel(port, credentials);
		socket.destroy();
		return undefined;
	} catch (error) {
		if (error instanceof SocksError) {
			return error;
		}

		throw error;
	}
}
