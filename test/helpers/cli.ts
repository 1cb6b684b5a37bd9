import {fileURLToPath} from 'node:url';
import {execa, type Options, type Result} from 'execa';
import {cliProcessOf, type CliProcess} from './cli-process.js';

/** The built CLI: tests run `node dist/cli.js` as users run `nightcrawler` (build first). */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export {LineReader, type CliProcess} from './cli-process.js';

const running = new Set<CliProcess>();

/** Environment for the CLI: no REDIS_URL from the machine, unless a test passes one. */
function cliEnv(env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
	return {REDIS_URL: undefined, NIGHTCRAWLER_DEBUG: undefined, ...env};
}

/** Start the built CLI with stdout and stderr piped (not a terminal). Stop it with `stopAllClis`. */
export function startCli(args: readonly string[], options: {env?: Record<string, string | undefined>; forceAfterMs?: number; nodeArgs?: readonly string[]} = {}): CliProcess {
	const subprocess = execa(process.execPath, [...options.nodeArgs ?? [], cliPath, ...args], {
		env: cliEnv(options.env),
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: 'pipe',
		buffer: false,
		reject: false,
		forceKillAfterDelay: options.forceAfterMs ?? 10_000,
		cleanup: true,
	} satisfies Options);
	const cli = cliProcessOf(subprocess);
	void cli.exited.finally(() => {
		running.delete(cli);
	});
	running.add(cli);
	return cli;
}

/** Run the built CLI to the end and collect its output. */
export async function runCli(args: readonly string[], options: {env?: Record<string, string | undefined>; timeoutMs?: number} = {}): Promise<Result> {
	return execa(process.execPath, [cliPath, ...args], {
		env: cliEnv(options.env),
		stdin: 'ignore',
		reject: false,
		timeout: options.timeoutMs ?? 30_000,
		forceKillAfterDelay: 2000,
	});
}

/**
 * For afterEach: SIGTERM every CLI process still running, last started first (clients give their
 * leases back before their provider goes), SIGKILL after the delay; waits for each to exit.
 */
export async function stopAllClis(): Promise<void> {
	for (const cli of [...running].reverse()) {
		// eslint-disable-next-line no-await-in-loop
		await cli.stop('SIGTERM');
	}
}

/**
 * Whether a process with this pid exists (EPERM: it does, owned by someone else). The one helper
 * for this in tests; poll it with `waitFor` to wait for a process to be gone.
 */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error instanceof Error && 'code' in error && error.code === 'EPERM';
	}
}
