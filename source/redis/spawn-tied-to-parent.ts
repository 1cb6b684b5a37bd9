import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import {isMainThread} from 'node:worker_threads';
import {execa} from 'execa';

/** Exit code of setpriv when the program to run does not exist (util-linux's EX_EXEC_ENOENT). */
export const setprivNotFoundCode = 127;

let setprivWorks: Promise<boolean> | undefined;

/** Whether util-linux `setpriv` with `--pdeathsig` is on the PATH (asked once per process). */
export async function canTieToParent(): Promise<boolean> {
	if (process.platform !== 'linux' || !isMainThread) {
		// pdeathsig fires when the spawning thread exits: from a worker, that is too soon.
		return false;
	}

	setprivWorks ??= execa('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], {reject: false, stdio: 'ignore', timeout: 5000})
		.then(result => result.exitCode === 0, () => false);
	return setprivWorks;
}

export type TiedChild = {
	readonly child: ChildProcess;
	/** Whether it runs under setpriv (its exit code 127 then means `file` was not found). */
	readonly tied: boolean;
};

/**
 * Spawn `file` so that the kernel SIGKILLs it when this process dies, even by SIGKILL: through
 * `setpriv --pdeathsig KILL`, which then execs into it (same pid). Where setpriv is missing (or
 * not Linux), a plain spawn.
 */
export async function spawnTiedToParent(file: string, args: readonly string[], options: SpawnOptions): Promise<TiedChild> {
	const tied = await canTieToParent();
	const child = tied ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', file, ...args], options) : spawn(file, args, options);
	return {child, tied};
}
