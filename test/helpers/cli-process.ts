import {createInterface} from 'node:readline';
import type {Readable} from 'node:stream';
import type {Result, ResultPromise} from 'execa';

/** Lines of one output stream as they arrive, with waits that have deadlines. */
export class LineReader {
	readonly lines: string[] = [];
	private readonly waiters = new Set<() => void>();
	private ended = false;

	constructor(stream: Readable | null | undefined) {
		if (!stream) {
			this.ended = true;
			return;
		}

		const lines = createInterface({input: stream, crlfDelay: Number.POSITIVE_INFINITY});
		lines.on('line', line => {
			this.lines.push(line);
			this.wake();
		});
		lines.on('close', () => {
			this.ended = true;
			this.wake();
		});
	}

	/** All lines so far, joined, for assertions and failure messages. */
	get text(): string {
		return this.lines.join('\n');
	}

	/**
	 * Resolve with the lines from index `from` on once `count` of them match; reject when the stream
	 * ends or the deadline passes first, showing what did arrive.
	 */
	async waitForLines(match: (line: string) => boolean, {count = 1, from = 0, timeoutMs = 10_000} = {}): Promise<string[]> {
		const found = () => this.lines.slice(from).filter(line => match(line));
		return new Promise((resolve, reject) => {
			const check = () => {
				const lines = found();
				if (lines.length >= count) {
					finish();
					resolve(lines.slice(0, count));
				} else if (this.ended) {
					finish();
					reject(new Error(`output ended with ${lines.length} of ${count} matching lines:\n${this.text}`));
				}
			};

			const timer = setTimeout(() => {
				finish();
				reject(new Error(`timed out after ${timeoutMs} ms with ${found().length} of ${count} matching lines:\n${this.text}`));
			}, timeoutMs);
			const finish = () => {
				clearTimeout(timer);
				this.waiters.delete(check);
			};

			this.waiters.add(check);
			check();
		});
	}

	async waitForLine(match: (line: string) => boolean, options: {from?: number; timeoutMs?: number} = {}): Promise<string> {
		const [line] = await this.waitForLines(match, {...options, count: 1});
		return line!;
	}

	private wake(): void {
		for (const waiter of [...this.waiters]) {
			waiter();
		}
	}
}

export type CliProcess = {
	readonly subprocess: ResultPromise;
	readonly stdout: LineReader;
	readonly stderr: LineReader;
	/** Settles when the process has exited (never rejects). */
	readonly exited: Promise<Result>;
	/** Send a signal (default SIGTERM) and wait for the exit; SIGKILL after `forceAfterMs`. */
	stop(signal?: NodeJS.Signals): Promise<Result>;
};

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
