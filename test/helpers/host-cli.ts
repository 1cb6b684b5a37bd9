import {cliPath, type CliProcess} from './cli.js';
import {cliProcessOf} from './cli-process.js';
import type {Host} from './hosts.js';

/**
 * Start a node script inside a test host (`ip netns exec`, which execs: the pid is the script's own),
 * stdout and stderr piped; stdin ignored unless `stdin: 'pipe'` (then write to `subprocess.stdin`).
 * Stop it with `stop()`; the hosts' teardown stops whatever is left.
 */
export function startNodeOn(host: Host, script: string, args: readonly string[], options: {env?: Record<string, string | undefined>; stdin?: 'ignore' | 'pipe'} = {}): CliProcess {
	return cliProcessOf(host.run(process.execPath, [script, ...args], {
		...(options.env ? {env: options.env} : {}),
		stdin: options.stdin ?? 'ignore',
		stdout: 'pipe',
		stderr: 'pipe',
		buffer: false,
		reject: false,
		forceKillAfterDelay: 15_000,
		cleanup: true,
	}));
}

/** Start the built CLI inside a test host (see `startNodeOn`), with no REDIS_URL from the machine unless passed. */
export function startCliOn(host: Host, args: readonly string[], options: {env?: Record<string, string | undefined>} = {}): CliProcess {
	return startNodeOn(host, cliPath, args, {env: {REDIS_URL: undefined, NIGHTCRAWLER_DEBUG: undefined, ...options.env}});
}
