import {Gateway} from '../source/gateway/gateway.js';
import {socks5Handshake} from '../source/util/socks5-handshake.js';
import {startSink} from './front-sink.js';
import {round} from './stats.js';
import {connect, share, signed, timeTunnels, type Tunnel, type TunnelBenchOptions} from './tunnel-timing.js';

export type GatewayBenchResult = {
	/** Connection set-up through the gateway's SOCKS5 port (a sticky session), TCP connect to the CONNECT reply. */
	gatewayConnectP50Ms: number;
	gatewayConnectP99Ms: number;
	/** The same, straight to the provider's front with the session's lease credentials, in the same run. */
	gatewayFrontConnectP50Ms: number;
	gatewayFrontConnectP99Ms: number;
	/** One connection's download, MB/s, through the gateway / through the provider's front alone. */
	gatewayMBps: number;
	gatewayFrontMBps: number;
	/** `concurrent` connections at once, MB/s in all. */
	gatewayMBpsConcurrent: number;
	gatewayFrontMBpsConcurrent: number;
	gatewayConnects: number;
};

type Path = 'gateway' | 'front';
const paths: readonly Path[] = ['gateway', 'front'];

/**
 * The gateway's cost beside a direct lease, in the same run: a tunnel through the gateway (client →
 * gateway → provider's front → Tor → sink) against one through the provider's front alone, with the
 * very lease the gateway's session holds (client → front → Tor → sink). Paths take turns.
 */
export async function gatewayBench({redisUrl, namespace, targetHost, connects, megabytes, concurrent, log}: TunnelBenchOptions & {
	redisUrl: string;
	/** The bus of a provider that runs its front. */
	namespace: string;
}): Promise<GatewayBenchResult> {
	const sink = await startSink();
	const gateway = new Gateway({redis: redisUrl, namespace, httpPort: 0, socksPort: 0, leaseTimeoutMs: 60_000});
	try {
		const {socksPort} = await gateway.start();
		const session = {username: 'session-bench', password: 'x'};
		const viaGateway = async () => {
			const socket = await connect(socksPort);
			await socks5Handshake(socket, {host: targetHost, port: sink.port, ...session});
			return socket;
		};

		// The first tunnel opens the session and waits for its lease; not timed.
		(await viaGateway()).destroy();
		const leaseId = gateway.table.get('bench')?.leaseId;
		const lease = gateway.client.proxies().find(proxy => proxy.leaseId === leaseId);
		if (!lease) {
			throw new Error('the gateway\'s bench session has no lease');
		}

		const tunnel: Tunnel<Path> = async path => {
			if (path === 'gateway') {
				return viaGateway();
			}

			const socket = await connect(lease.port);
			await socks5Handshake(socket, {host: targetHost, port: sink.port, ...lease.credentials});
			return socket;
		};

		const {connectMs: ms, single, concurrent: many} = await timeTunnels(tunnel, paths, {connects, megabytes, concurrent});
		const result: GatewayBenchResult = {
			gatewayConnectP50Ms: ms('gateway', 0.5),
			gatewayConnectP99Ms: ms('gateway', 0.99),
			gatewayFrontConnectP50Ms: ms('front', 0.5),
			gatewayFrontConnectP99Ms: ms('front', 0.99),
			gatewayMBps: single.gateway,
			gatewayFrontMBps: single.front,
			gatewayMBpsConcurrent: many.gateway,
			gatewayFrontMBpsConcurrent: many.front,
			gatewayConnects: connects,
		};
		log('gateway (SOCKS5, a sticky session) against the provider\'s front with the same lease, to the sink through the testnet, paths in turn:');
		log(`  1 connection: gateway ${result.gatewayMBps} MB/s, front alone ${result.gatewayFrontMBps} MB/s (gateway ${share(result.gatewayMBps, result.gatewayFrontMBps)} of the front)`);
		log(`  ${concurrent} connections: gateway ${result.gatewayMBpsConcurrent} MB/s, front alone ${result.gatewayFrontMBpsConcurrent} MB/s (gateway ${share(result.gatewayMBpsConcurrent, result.gatewayFrontMBpsConcurrent)} of the front)`);
		log(`  set-up, ${connects} each: gateway p50 ${result.gatewayConnectP50Ms} ms, p99 ${result.gatewayConnectP99Ms} ms; front alone p50 ${result.gatewayFrontConnectP50Ms} ms, p99 ${result.gatewayFrontConnectP99Ms} ms; gateway ${signed(round(result.gatewayConnectP50Ms - result.gatewayFrontConnectP50Ms))} ms at p50`);
		return result;
	} finally {
		await gateway.stop();
		await sink.close();
	}
}
