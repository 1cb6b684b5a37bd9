import {execa} from 'execa';
import {Client} from '../core/client.js';
import type {RunFlags} from '../cli/flag-schemas.js';
import {redactUrl} from '../cli/redact-url.js';
import {signalExitCode, type Shutdown} from '../cli/shutdown.js';
import {UsageError} from '../cli/usage-error.js';
import {fetchProxyPreloadPath} from '../run/preload-path.js';
import {terminate} from '../util/terminate.js';
import {leaseProxies} from './lease-proxies.js';
import {proxyEnv} from './proxy-env.js';
import type {RedisSource} from './resolve-redis.js';
import {watchLeaseLoss, type LostLease} from './watch-lease-loss.js';

export type RunCommandOptions = {
	readonly flags: RunFlags;
	readonly redis: RedisSource;
	/** The command and its arguments, as given after `--`. */
	readonly command: readonly string[];
	readonly shutdown: Shutdown;
};

/** How long the command has to exit after SIGTERM, once one of its leases ended, before SIGKILL. */
export const stopCommandMs = 5000;

/** Exit codes a shell gives when a command cannot be started. */
function spawnFailureCode(code: string | undefined): number {
	return code === 'ENOENT' ? 127 : code === 'EACCES' ? 126 : 1;
}

/**
 * `nightcrawler run -- command args...`: lease `--count` proxies, run the command with them in its
 * environment (`proxyEnv`: the proxy variables, and a preload that keeps Node's fetch on the proxy), forward the signals nightcrawler gets to it, give the leases back when it ends, and
 * exit with its exit code (128+N when a signal N ended it).
 *
 * The leases are not renewed: the environment cannot change under a running command, and a proxy
 * whose lease ended may be leased to someone else. So when one ends (TTL, lost heartbeats, proxy
 * down) the command is stopped (SIGTERM, SIGKILL after `stopCommandMs`) and run exits 1.
 */
export async function runRunCommand({flags, redis, command, shutdown}: RunCommandOptions): Promise<void> {
	const [file, ...args] = command;
	if (file === undefined || file === '') {
		throw new UsageError('run needs a command after --, for example: nightcrawler run -- curl https://example.com');
	}

	const client = new Client({redis: redis.url, namespace: flags.namespace});
	const where = `${redactUrl(redis.url)} (namespace ${client.namespace})`;
	shutdown.defer('the client', async () => client.close());
	await client.start();
	let lost: LostLease | undefined;
	let onLost: ((lease: LostLease) => void) | undefined;
	shutdown.defer('the lease watch', watchLeaseLoss(client, lease => {
		lost = lease;
		onLost?.(lease);
	}));
	const proxies = await leaseProxies(client, {count: flags.count, timeoutMs: flags.timeout, signal: shutdown.signal, where, notice(line) {
		shutdown.notice(line);
	}});
	if (lost) {
		throw new Error(`the lease of ${lost.url} ended (${lost.reason}) before ${file} started`);
	}

	const subprocess = execa(file, args, {
		stdio: 'inherit',
		env: proxyEnv(proxies, {parentEnv: process.env, preloadPath: fetchProxyPreloadPath}),
		reject: false,
		// Signals are the command's business: no SIGKILL five seconds after a forwarded SIGTERM.
		forceKillAfterDelay: false,
	});
	shutdown.onForce(() => {
		subprocess.kill('SIGKILL');
	});
	const running = () => subprocess.exitCode === null && subprocess.signalCode === null;
	shutdown.signalHook = signal => {
		if (!running()) {
			return false;
		}

		subprocess.kill(signal);
		return true;
	};

	let leaseEnded = false;
	onLost = ({url, reason}) => {
		if (running()) {
			leaseEnded = true;
			shutdown.notice(`the lease of ${url} ended (${reason}) while ${file} ran`);
			void terminate(subprocess, {timeoutMs: stopCommandMs});
		}
	};

	const result = await subprocess;
	let exitCode = result.exitCode;
	if (exitCode === undefined) {
		if (result.signal) {
			exitCode = signalExitCode(result.signal);
		} else {
			exitCode = spawnFailureCode(result.code);
			shutdown.notice(`could not run ${file}: ${result.code === 'ENOENT' ? 'command not found' : result.originalMessage ?? 'failed to start'}`);
		}
	}

	await shutdown.shutdown('done', leaseEnded ? 1 : exitCode);
}
