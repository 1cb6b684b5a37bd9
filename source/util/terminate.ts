import type {ChildProcess} from 'node:child_process';

export type TerminateOptions = {
	/** How long to wait after SIGTERM before SIGKILL. */
	timeoutMs?: number;
};

function hasExited(child: ChildProcess): boolean {
	return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Stop a child process: SIGTERM, then SIGKILL after a timeout. Resolves once the process is gone.
 * Safe to call on a process that already exited, and safe to call twice.
 */
export async function terminate(child: ChildProcess, {timeoutMs = 5000}: TerminateOptions = {}): Promise<void> {
	if (child.pid === undefined || hasExited(child)) {
		return;
	}

	const exited = new Promise<void>(resolve => {
		child.once('exit', () => {
			resolve();
		});
	});
	child.kill('SIGTERM');
	const timer = setTimeout(() => {
		if (!hasExited(child)) {
			child.kill('SIGKILL');
		}
	}, timeoutMs);
	try {
		await exited;
	} finally {
		clearTimeout(timer);
	}
}

/**
 * SIGKILL each of these processes at once, for a forced exit where there is no time to wait.
 * Unknown (undefined) and already-gone pids are skipped.
 */
export function killNow(pids: Iterable<number | undefined>): void {
	for (const pid of pids) {
		if (pid !== undefined) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {}
		}
	}
}
