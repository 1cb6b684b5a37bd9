import type {GatewayFlags} from '../cli/flag-schemas.js';
import {redactUrl} from '../cli/redact-url.js';
import {portTaken, type PortFlag} from '../cli/port-taken-error.js';
import type {Shutdown} from '../cli/shutdown.js';
import {Gateway, type GatewayAddresses} from '../gateway/gateway.js';
import {attachGatewayLog} from './gateway-log.js';
import {jsonLine, textLine} from './provider-log.js';
import type {RedisSource} from './resolve-redis.js';
import {logLifetime} from './event-log-lifetime.js';

export type GatewayCommandOptions = {
	readonly flags: GatewayFlags;
	readonly redis: RedisSource;
	readonly shutdown: Shutdown;
};

/**
 * `nightcrawler gateway`: one HTTP and one SOCKS5 proxy port in front of the cluster, a session per
 * username (or port), each an exclusive lease; a control API on loopback. A full-screen view on a
 * terminal; otherwise one log record a line (JSON unless --format text), the first saying where it listens.
 */
export async function runGatewayCommand({flags, redis, shutdown}: GatewayCommandOptions): Promise<void> {
	const useScreen = flags.format !== 'json' && process.stdout.isTTY && process.stdin.isTTY;
	const toLine = flags.format === 'text' ? textLine : jsonLine;
	const gateway = new Gateway({
		redis: redis.url,
		namespace: flags.namespace,
		host: flags.host,
		httpPort: flags.port,
		socksPort: flags.socksPort,
		apiPort: flags.apiPort,
		sessionPorts: flags.sessionPorts,
		defaultSession: flags.defaultSession,
		sessionIdleMs: flags.sessionIdle,
		leaseTimeoutMs: flags.leaseTimeout,
		warm: flags.warm,
		token: flags.token,
	});
	if (!useScreen) {
		// The first line says where the gateway listens: what comes before it waits for it.
		const early: string[] = [];
		let held: string[] | undefined = early;
		const detach = attachGatewayLog(gateway, record => {
			if (held) {
				held.push(toLine(record));
			} else {
				process.stdout.write(`${toLine(record)}\n`);
			}
		});
		void gateway.start().then(started => {
			process.stdout.write(`${toLine(listeningOf(started))}\n`);
			for (const line of early.splice(0)) {
				process.stdout.write(`${line}\n`);
			}

			held = undefined;
		}, () => undefined);
		logLifetime(shutdown, record => {
			process.stdout.write(`${toLine(record)}\n`);
		}, detach);
	}

	shutdown.defer('the gateway', async () => gateway.stop(), {timeoutMs: 30_000});
	const listeningOf = (addresses: GatewayAddresses) => ({
		event: 'listening',
		host: addresses.host,
		httpPort: addresses.httpPort,
		socksPort: addresses.socksPort,
		apiPort: addresses.apiPort,
		sessionPorts: addresses.sessionPorts && `${addresses.sessionPorts.first}-${addresses.sessionPorts.last}`,
		defaultSession: flags.defaultSession,
		redis: redactUrl(redis.url),
		namespace: gateway.client.namespace,
	});
	const portFlags: PortFlag[] = [
		{flag: '--port', ports: flags.port, zeroIsFree: true},
		{flag: '--socks-port', ports: flags.socksPort, zeroIsFree: true},
		{flag: '--api-port', ports: flags.apiPort, zeroIsFree: true},
		{flag: '--session-ports', ports: flags.sessionPorts, zeroIsFree: false},
	];
	const addresses = await gateway.start().catch((error: unknown) => {
		throw portTaken(error, portFlags);
	});
	shutdown.signal.throwIfAborted();
	if (useScreen) {
		const [{mountApp}, {GatewayApp}] = await Promise.all([import('./mount-app.js'), import('../ui/gateway-app.js')]);
		mountApp(<GatewayApp gateway={gateway} addresses={addresses} onQuit={() => {
			shutdown.quit();
		}}/>, shutdown);
	}
}
