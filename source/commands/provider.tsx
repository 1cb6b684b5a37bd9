import {Provider} from '../core/provider.js';
import type {ProviderFlags} from '../cli/flag-schemas.js';
import {redactUrl} from '../cli/redact-url.js';
import type {Shutdown} from '../cli/shutdown.js';
import {portTaken} from '../cli/port-taken-error.js';
import {startTestnet, type Testnet} from '../testnet/start-testnet.js';
import {joinRemoteTestnet} from './join-remote-testnet.js';
import {killNow} from '../util/terminate.js';
import {ProviderApp} from '../ui/provider-app.js';
import {createBackend} from './create-backend.js';
import {logLifetime} from './event-log-lifetime.js';
import {mountApp} from './mount-app.js';
import {attachProviderLog, jsonLine, textLine} from './provider-log.js';
import {resolveRedis, type RedisSource} from './resolve-redis.js';

export type ProviderCommandOptions = {
	readonly flags: ProviderFlags;
	readonly redis: RedisSource;
	readonly shutdown: Shutdown;
};

async function joinTestnet(flags: ProviderFlags, shutdown: Shutdown): Promise<Testnet> {
	shutdown.notice('starting a private Tor network on loopback (this takes a minute)');
	const testnet = await startTestnet({exits: flags.exits, torPath: flags.tor, signal: shutdown.signal, log: line => {
		shutdown.notice(`testnet: ${line}`);
	}});
	shutdown.defer('the private Tor network', async () => testnet.stop(), {timeoutMs: 30_000});
	shutdown.notice(`private Tor network up; its IP check page: ${testnet.checkUrl} (try: nightcrawler run -- curl -s ${testnet.checkUrl})`);
	shutdown.onForce(() => {
		killNow(testnet.pids());
	});
	void testnet.failed.then(async error => shutdown.fail(error));
	return testnet;
}

/**
 * `nightcrawler provider`: run the pool and lease it out until shut down. A full-screen view on a
 * terminal; otherwise one log record a line (JSON unless --format text).
 */
export async function runProviderCommand({flags, redis, shutdown}: ProviderCommandOptions): Promise<void> {
	const useScreen = flags.format !== 'json' && process.stdout.isTTY && process.stdin.isTTY;
	const toLine = flags.format === 'text' ? textLine : jsonLine;
	const redisUrl = await resolveRedis(redis, shutdown);
	const testnet = flags.testnet ? await joinTestnet(flags, shutdown) : await joinRemoteTestnet(flags, shutdown);
	shutdown.signal.throwIfAborted();
	const backend = await createBackend(flags, testnet);
	const provider = new Provider({
		redis: redisUrl,
		namespace: flags.namespace,
		backend,
		advertiseHost: flags.advertiseHost,
		// Always: other hosts (and this one) reach Tor only through it, with a live lease's credentials.
		front: {host: flags.host, socksPort: flags.socksPort, httpPort: flags.httpPort},
		timings: flags.leaseTtl === undefined ? undefined : {leaseTtlMs: flags.leaseTtl},
	});
	const {namespace} = provider;
	if (['0.0.0.0', '::', '[::]'].includes(flags.host) && flags.advertiseHost === undefined) {
		shutdown.notice(`the front listens on ${flags.host}, and clients will be told to connect to ${flags.host}: pass --advertise-host with this machine's address`);
	}

	if (!useScreen) {
		// Registered before the provider's stop, so the lines about giving leases back still print.
		const detach = attachProviderLog(provider, record => {
			process.stdout.write(`${toLine(record)}\n`);
		});
		logLifetime(shutdown, record => {
			process.stdout.write(`${toLine(record)}\n`);
		}, detach);
	}

	shutdown.onForce(() => {
		killNow(backend.snapshot().map(instance => instance.pid));
	});
	shutdown.defer('the provider', async () => provider.stop(), {timeoutMs: 30_000});
	// The first step of start() on its own: the screen or the `started` line follows a working connection.
	await provider.connect().catch((error: unknown) => {
		// The front listens in connect(): a taken port names the flag that chose it.
		throw portTaken(error, [{flag: '--socks-port', ports: flags.socksPort, zeroIsFree: false}, {flag: '--http-port', ports: flags.httpPort, zeroIsFree: false}]);
	});
	shutdown.signal.throwIfAborted();
	if (useScreen) {
		mountApp(<ProviderApp provider={provider} redisUrl={redactUrl(redisUrl)} namespace={namespace} onQuit={() => {
			shutdown.quit();
		}}/>, shutdown);
	} else {
		const started = {event: 'started', providerId: provider.id, redis: redactUrl(redisUrl), namespace, tors: flags.tors, backend: flags.backend, host: flags.host, socksPort: provider.frontPorts?.socksPort, httpPort: provider.frontPorts?.httpPort, checkUrl: testnet?.checkUrl};
		process.stdout.write(`${toLine(started)}\n`);
	}

	// The rest of start(): answer requests at once, then start the pool (each proxy is leased as soon as it is ready).
	await provider.start();
}
