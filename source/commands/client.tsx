import {Client} from '../core/client.js';
import type {ClientFlags} from '../cli/flag-schemas.js';
import {redactUrl} from '../cli/redact-url.js';
import type {Shutdown} from '../cli/shutdown.js';
import {watchStdoutClosed} from '../cli/watch-stdout.js';
import {ClientApp} from '../ui/client-app.js';
import {mountApp} from './mount-app.js';
import {printProxyLines} from './proxy-lines.js';
import type {RedisSource} from './resolve-redis.js';
import {waitForLeases} from './wait-for-leases.js';
import {watchConnection} from './watch-connection.js';

export type ClientCommandOptions = {
	readonly flags: ClientFlags;
	readonly redis: RedisSource;
	readonly shutdown: Shutdown;
};

/**
 * `nightcrawler client`: lease `--count` proxies and keep them leased until shut down. A
 * full-screen view on a terminal; otherwise one URL (or JSON object) a line, and a shutdown as
 * soon as nobody reads stdout any more.
 */
export async function runClientCommand({flags, redis, shutdown}: ClientCommandOptions): Promise<void> {
	const useScreen = flags.format !== 'json' && process.stdout.isTTY && process.stdin.isTTY;
	const client = new Client({redis: redis.url, namespace: flags.namespace});
	const {namespace} = client;
	const where = `${redactUrl(redis.url)} (namespace ${namespace})`;
	shutdown.defer('the client', async () => client.close());
	await client.start();
	shutdown.signal.throwIfAborted();
	const {count} = flags;
	// The view shows the connection and the wait itself (and --timeout counts the first `count` only);
	// in pipes they are said on stderr.
	const notice = useScreen ? undefined : (line: string) => {
		shutdown.notice(line);
	};

	if (useScreen) {
		mountApp(<ClientApp client={client} count={count} redisUrl={redactUrl(redis.url)} namespace={namespace} onQuit={() => {
			shutdown.quit();
		}}/>, shutdown);
	} else {
		const stopPrinting = printProxyLines(client, {
			format: flags.format ?? 'text',
			http: flags.http,
			write(line) {
				process.stdout.write(`${line}\n`);
			},
			notice(line) {
				shutdown.notice(line);
			},
		});
		const unwatch = watchStdoutClosed(() => {
			void shutdown.shutdown('stdout-closed');
		});
		const unwatchConnection = watchConnection(client, line => {
			shutdown.notice(line);
		});
		shutdown.defer('the output', () => {
			stopPrinting();
			unwatch();
			unwatchConnection();
		});
		for (let index = 0; index < count; index++) {
			client.createProxy();
		}
	}

	await waitForLeases(client, {count, timeoutMs: flags.timeout, signal: shutdown.signal, where, notice});
}
