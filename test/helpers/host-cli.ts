import type {Result} from 'execa';
import {cliPath, LineReader, type CliProcess} from './cli.js';
import type {Host} from './hosts.js';

/**
 * Start the built CLI inside a test host (`ip netns exec`, which execs: the pid is the CLI's own),
 * stdout and stderr piped. Stop it with `stop()`; the hosts' teardown stops whatever is left.
 */
export function startCliOn(host: Host, args: readonly string[], options: {env?: Record<string, string | undefined>} = {}): CliProcess {
	const subprocess = host.run(process.execPath, [cliPath, ...args], {
		env: {REDIS_URL: undefined, NIGHTCRAWLER_DEBUG: undefined, ...options.env},
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: 'pipe',
		buffer: false,
		reject: false,
		forceKillAfterDelay: 15_000,
		cleanup: true,
	});
	const exited: Promise<Result> = Promise.resolve(subprocess);
	return {
		subprocess,
		stdout: new LineReader(subprocess.stdout),
		stderr: new LineReader(subprocess.stderr),
		exited,
		async stop(signal = 'SIGTERM') {
			if (subprocess.exitCode === null && subprocess.signalCode === null) {
				subprocess.kill(signal);
			}

			return exited;
		},
	};
}
