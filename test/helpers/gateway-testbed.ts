import {afterAll, afterEach, beforeAll} from 'vitest';
import {Gateway, type GatewayAddresses, type GatewayOptions} from '../../source/gateway/gateway.js';
import {Cleanups} from './cleanups.js';
import {startTestRedis} from './redis.js';
import {startTorProvider} from './tor-provider.js';

export type GatewayTestbed = {
	/** The gateway, started in `beforeAll`; only inside tests. */
	readonly gateway: Gateway;
	/** Where it listens. */
	readonly at: GatewayAddresses;
};

/** A gateway with `sessionPorts` session ports below the ephemeral range, tried again on another range when one is taken. */
async function startGateway(options: GatewayOptions, sessionPorts: number): Promise<{gateway: Gateway; at: GatewayAddresses}> {
	for (let attempt = 1; ; attempt++) {
		const first = 20_000 + Math.floor(Math.random() * 10_000);
		const started = new Gateway({...options, sessionPorts: {first, last: first + sessionPorts - 1}});
		try {
			// eslint-disable-next-line no-await-in-loop
			return {gateway: started, at: await started.start()};
		} catch (error) {
			// eslint-disable-next-line no-await-in-loop
			await started.stop();
			if (attempt >= 10 || !(error instanceof Error && 'code' in error && error.code === 'EADDRINUSE')) {
				throw error;
			}
		}
	}
}

/**
 * For gateway test files on the private Tor network: registers the hooks that start, for the whole
 * file, a redis-server, a Tor provider of `proxies` proxies and a gateway on them; after each test,
 * drop every session (its lease goes back, so the proxies last the file); after the file, stop them all.
 */
export function setupGatewayTestbed({proxies, sessionPorts, defaultSession}: {proxies: number; sessionPorts: number; defaultSession?: GatewayOptions['defaultSession']}): GatewayTestbed {
	const cleanups = new Cleanups();
	let started: {gateway: Gateway; at: GatewayAddresses} | undefined;
	beforeAll(async () => {
		const redis = await startTestRedis();
		cleanups.add(async () => redis.stop());
		const pool = await startTorProvider(redis.url, {count: proxies});
		cleanups.add(async () => pool.stop());
		started = await startGateway({redis: redis.url, namespace: pool.provider.namespace, httpPort: 0, socksPort: 0, apiPort: 0, defaultSession, leaseTimeoutMs: 60_000, clientTimings: {requestIntervalMs: 250}}, sessionPorts);
		const {gateway} = started;
		cleanups.add(async () => gateway.stop());
	});
	afterEach(() => {
		const gateway = started?.gateway;
		for (const session of gateway?.table.list() ?? []) {
			gateway?.table.drop(session.key);
		}
	});
	afterAll(async () => {
		await cleanups.run();
	});

	const current = () => {
		if (!started) {
			throw new Error('no gateway: use the testbed inside tests');
		}

		return started;
	};

	return {
		get gateway() {
			return current().gateway;
		},
		get at() {
			return current().at;
		},
	};
}
