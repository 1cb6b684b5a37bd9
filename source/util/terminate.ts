import type {ChildProcess} from 'node:child_process';
import {setTimeout as delay} from 'node:timers/promises';

export type TerminateOptions = {
	/** How long to wait after SIGTERM before SIGKILL; default 5 s. */
	timeoutMs?: number;
};

function hasExited(child: ChildProcess): boolean {
	return child.exitCode !== null || child.signalCode !== null;
}

/**
 * How one child process ends, in the style of execa's `lib/terminate/`: SIGTERM, an abortable
 * timer, then SIGKILL. Why the process ended is recorded once: the first reason wins (a stop
 * requested while starting failed stays a failed start; a process that exited by itself and is
 * then stopped stays "exited").
 */
export class Termination<Reason extends string = string> {
	#reason: Reason | undefined;
	#killed = false;
	#terminating: Promise<void> | undefined;

	/** Why the process ended, or is being ended; undefined until a reason is recorded. */
	get reason(): Reason | undefined {
		return this.#reason;
	}

	/** SIGTERM was not enough and SIGKILL was sent. */
	get killed(): boolean {
		return this.#killed;
	}

	/** Record why the process ends, unless a reason is already recorded; returns the reason that holds. */
	record(reason: Reason): Reason {
		this.#reason ??= reason;
		return this.#reason;
	}

	/**
	 * Record `reason`, send SIGTERM, and SIGKILL after `timeoutMs` if the process is still there.
	 * Resolves once the process is gone. Idempotent (a second call waits for the first), and safe
	 * on a process that never started or already exited.
	 */
	async terminate(child: ChildProcess, reason: Reason, {timeoutMs = 5000}: TerminateOptions = {}): Promise<void> {
		this.record(reason);
		this.#terminating ??= this.#terminate(child, timeoutMs);
		return this.#terminating;
	}

	async #terminate(child: ChildProcess, timeoutMs: number): Promise<void> {
		// Checked and listened to in the same tick: Node sets exitCode and emits 'exit' together.
		if (child.pid === undefined || hasExited(child)) {
			return;
		}

		const exited = new Promise<void>(resolve => {
			child.once('exit', () => {
				resolve();
			});
		});
		child.kill('SIGTERM');
		const escalation = new AbortController();
		delay(timeoutMs, undefined, {signal: escalation.signal}).then(() => {
			if (!hasExited(child)) {
				this.#killed = true;
				child.kill('SIGKILL');
			}
		}, () => undefined);
		try {
			await exited;
		} finally {
			escalation.abort();
		}
	}
}

const terminations = new WeakMap<ChildProcess, Termination>();

/** The one Termination of `child`, so every caller shares its reason and its escalation. */
export function terminationOf(child: ChildProcess): Termination {
	let termination = terminations.get(child);
	if (!termination) {
		termination = new Termination();
		terminations.set(child, termination);
	}

	return termination;
}

/**
 * Stop a child process: SIGTERM, then SIGKILL after a timeout. Resolves once the process is gone.
 * Safe to call on a process that already exited, and safe to call twice (the second call waits for
 * the first). The reason (default `stopped`) is recorded on `terminationOf(child)`; the first wins.
 */
export async function terminate(child: ChildProcess, {timeoutMs, reason = 'stopped'}: TerminateOptions & {reason?: string} = {}): Promise<void> {
	return terminationOf(child).terminate(child, reason, timeoutMs === undefined ? {} : {timeoutMs});
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
