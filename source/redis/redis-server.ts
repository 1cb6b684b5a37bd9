import {firstReply} from './first-reply.js';
import {aclUserTokens, type AclUser} from './acl-users.js';
import {freePort} from '../util/free-port.js';
import {terminate} from '../util/terminate.js';
import {RedisServerNotFoundError} from './redis-server-not-found-error.js';
import {RedisServerStartError} from './redis-server-start-error.js';
import {setprivNotFoundCode, spawnTiedToParent} from './spawn-tied-to-parent.js';

export type RedisServerOptions = {
	/** Port to listen on; a free one is picked when omitted. */
	port?: number;
	host?: string;
	/** Path of the redis-server binary. */
	bin?: string;
	startTimeoutMs?: number;
	/** More redis-server arguments (a TLS port, say); the plain port stays, for the readiness check. */
	extraArgs?: readonly string[];
	/**
	 * Role users (acl-users.ts), created at start: only their passwords' SHA-256 is on the command
	 * line. Redis's `default` user is disabled unless listed. With users, a command (a PUBLISH with
	 * its payload) is also bounded to Redis's smallest allowed, 1 MiB: a bigger one closes the
	 * sender's connection.
	 */
	users?: readonly AclUser[];
};

/**
 * The bound on one command of a server started with `users` (`client-query-buffer-limit` and
 * `proto-max-bulk-len` at their minimum): a PUBLISH of this many bytes closes the sender's connection.
 */
export const maxCommandBytes = 1024 * 1024;

function aclArgs(users: readonly AclUser[] | undefined): string[] {
	if (!users) {
		return [];
	}

	const lines = users.map(user => ['--user', ...aclUserTokens(user)]);
	if (!users.some(user => user.name === 'default')) {
		lines.push(['--user', 'default', 'reset', 'off']);
	}

	return [...lines.flat(), '--proto-max-bulk-len', String(maxCommandBytes), '--client-query-buffer-limit', String(maxCommandBytes)];
}

export type RedisServer = {
	readonly url: string;
	readonly host: string;
	readonly port: number;
	/** redis-server's own pid (setpriv, when used, execs into it). */
	readonly pid: number | undefined;
	/** Stop the server (SIGTERM, then SIGKILL). Idempotent. */
	stop(): Promise<void>;
};

function lastLine(output: string): string {
	return output.trim().split('\n').at(-1) ?? '';
}

/** PING; with `locked`, a refusal for want of a password counts as an answer too. */
async function ping(host: string, port: number, locked = false): Promise<boolean> {
	const reply = await firstReply(host, port, 'PING\r\n', 500);
	return reply !== undefined && (reply.startsWith('+PONG') || (locked && reply.startsWith('-NOAUTH')));
}

/** Is something answering PING on host:port? */
export async function isRedisAnswering(host: string, port: number): Promise<boolean> {
	return ping(host, port);
}

/**
 * Start a private redis-server: no persistence, no config file of the machine's, bound to one
 * loopback address. Resolves once it answers PING.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
	const host = options.host ?? '127.0.0.1';
	const port = options.port ?? (await freePort(host));
	const bin = options.bin ?? 'redis-server';
	const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
	// Its own process group, so a terminal's Ctrl-C does not stop it before we have told our peers;
	// tied to this process, so it does not outlive it (a SIGKILLed provider included).
	const {child, tied} = await spawnTiedToParent(
		bin,
		['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning', ...aclArgs(options.users), ...(options.extraArgs ?? [])],
		{stdio: ['ignore', 'pipe', 'pipe'], detached: true},
	);
	let output = '';
	const collect = (chunk: Buffer) => {
		output = (output + chunk.toString('utf8')).slice(-4000);
	};

	child.stdout?.on('data', collect);
	child.stderr?.on('data', collect);
	const spawnError = await new Promise<Error | undefined>(resolve => {
		child.once('error', resolve);
		child.once('spawn', () => {
			resolve(undefined);
		});
	});
	if (spawnError) {
		// Under setpriv, a missing redis-server is its exit code 127 (below), not a spawn error.
		if (!tied && (spawnError as NodeJS.ErrnoException).code === 'ENOENT') {
			throw new RedisServerNotFoundError(bin, {cause: spawnError});
		}

		throw new RedisServerStartError(`could not start ${bin}: ${spawnError.message}`, {cause: spawnError});
	}

	const stop = async () => terminate(child, {timeoutMs: 3000});
	for (;;) {
		if (tied && child.exitCode === setprivNotFoundCode) {
			throw new RedisServerNotFoundError(bin, {cause: new Error(lastLine(output))});
		}

		if (child.exitCode !== null || child.signalCode !== null) {
			throw new RedisServerStartError(`redis-server exited while starting on ${host}:${port}: ${lastLine(output)}`);
		}

		// eslint-disable-next-line no-await-in-loop
		if (await ping(host, port, options.users !== undefined)) {
			break;
		}

		if (Date.now() > deadline) {
			await stop();
			throw new RedisServerStartError(`redis-server did not answer on ${host}:${port} in time`);
		}

		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, 20);
		});
	}

	return {url: `redis://${host}:${port}`, host, port, pid: child.pid, stop};
}
