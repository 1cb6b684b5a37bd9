import type {Result, ResultPromise} from 'execa';
import {LineReader, type CliProcess} from './cli.js';

/**
 * A started subprocess (stdout and stderr piped, `reject: false`) as a CliProcess: its lines as they
 * arrive, and a stop that signals it only while it runs, then waits for the exit.
 */
export function cliProcessOf(subprocess: ResultPromise): CliProcess {
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
