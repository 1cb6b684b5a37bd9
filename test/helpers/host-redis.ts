import type {ResultPromise} from 'execa';
import type {Host} from './hosts.js';

export type HostRedis = {
	readonly url: string;
	/** Stop it (SIGTERM by default) and wait for the exit. */
	stop(signal?: NodeJS.Signals): Promise<void>;
};

/**
 * `redis-server` on a test host, bound to its address (no persistence, no protected mode), resolved
 * once it accepts connections. The hosts' teardown stops it if the test does not.
 */
export async function startRedisOn(host: Host, port = 6379): Promise<HostRedis> {
	const server: ResultPromise = host.run('redis-server', ['--bind', host.address, '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
		reject: false,
		buffer: false,
		stdout: 'pipe',
		stderr: 'pipe',
		stdin: 'ignore',
	});
	const exited = Promise.resolve(server);
	await new Promise<void>((resolve, reject) => {
		let seen = '';
		server.stdout?.on('data', (chunk: Buffer) => {
			seen += String(chunk);
			if (seen.includes('Ready to accept connections')) {
				resolve();
			}
		});
		void exited.then(() => {
			reject(new Error(`redis-server on ${host.name} ended:\n${seen}`));
		});
	});
	return {
		url: `redis://${host.address}:${port}`,
		async stop(signal = 'SIGTERM') {
			if (server.exitCode === null && server.signalCode === null) {
				server.kill(signal);
			}

			await exited;
		},
	};
}
