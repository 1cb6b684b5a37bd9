import {execa, type ResultPromise} from 'execa';

export type TorProcessExit = {
	/** Why it ended; the first reason recorded wins. */
	reason: 'stopped' | 'exited' | 'failed-to-start';
	exitCode: number | undefined;
	signal: string | undefined;
	message: string;
};

export type TorProcessOptions = {
	name: string;
	torPath: string;
	/** Arguments after the executable, e.g. `['--defaults-torrc', EMPTY, '-f', TORRC]`. */
	args: string[];
	/** Receives every line Tor prints (stdout and stderr), without the trailing newline. */
	onLine?: ((line: string) => void) | undefined;
	/** Time between SIGTERM and SIGKILL when stopping (default 5000 ms). */
	killAfterMs?: number | undefined;
};

const tailLength = 40;
const spawnOptions = {
	stdin: 'ignore',
	stdout: 'pipe',
	stderr: 'pipe',
	buffer: false,
	reject: false,
	// Also kill Tor when our process exits normally or on a signal (SIGKILL leaves that to Tor's owner checks).
	cleanup: true,
} as const;
type TorSubprocess = ResultPromise<typeof spawnOptions & {forceKillAfterDelay: number}>;

/** One Tor child process: its log lines, a wait for a log line, and SIGTERM-then-SIGKILL stopping. */
export class TorProcess {
	readonly name: string;
	/** Resolves once the process is gone, however it ended. */
	readonly exited: Promise<TorProcessExit>;
	private readonly subprocess: TorSubprocess;
	private readonly tail: string[] = [];
	private readonly lineWaiters = new Set<(line: string) => void>();
	private stopReason: TorProcessExit['reason'] | undefined;
	private stopping: Promise<TorProcessExit> | undefined;

	constructor(options: TorProcessOptions) {
		this.name = options.name;
		this.subprocess = execa(options.torPath, options.args, {...spawnOptions, forceKillAfterDelay: options.killAfterMs ?? 5000});
		const onLine = (line: string): void => {
			this.tail.push(line);
			if (this.tail.length > tailLength) {
				this.tail.shift();
			}

			options.onLine?.(line);
			for (const waiter of this.lineWaiters) {
				waiter(line);
			}
		};

		splitLines(this.subprocess.stdout, onLine);
		splitLines(this.subprocess.stderr, onLine);
		this.exited = this.subprocess.then(result => ({
			reason: this.stopReason ?? (result.failed && result.exitCode === undefined && result.signal === undefined ? 'failed-to-start' : 'exited'),
			exitCode: result.exitCode,
			signal: result.signal,
			message: `${this.name}: ${result.failed ? result.shortMessage ?? 'failed' : `exited with code ${result.exitCode}`}`,
		}));
	}

	get pid(): number | undefined {
		return this.subprocess.pid;
	}

	/** The last lines Tor printed, for error messages. */
	recentLines(): string[] {
		return [...this.tail];
	}

	/**
	 * Resolve with the first line matching `pattern` printed from now on. Rejects when the process
	 * exits first or `signal` aborts.
	 */
	async waitForLine(pattern: RegExp, signal?: AbortSignal): Promise<string> {
		signal?.throwIfAborted();
		return new Promise<string>((resolve, reject) => {
			const settle = (outcome: () => void): void => {
				this.lineWaiters.delete(onLine);
				signal?.removeEventListener('abort', onAbort);
				outcome();
			};

			const onLine = (line: string): void => {
				if (pattern.test(line)) {
					settle(() => {
						resolve(line);
					});
				}
			};

			const onAbort = (): void => {
				settle(() => {
					reject(signal?.reason);
				});
			};

			this.lineWaiters.add(onLine);
			signal?.addEventListener('abort', onAbort, {once: true});
			void this.exited.then(exit => {
				settle(() => {
					reject(new Error(`${this.name} ended before printing ${pattern}: ${exit.message}\n${this.tail.join('\n')}`));
				});
			});
		});
	}

	/** SIGTERM, SIGKILL after the kill delay, and wait until the process is gone. Idempotent. */
	async stop(): Promise<TorProcessExit> {
		this.stopping ??= (async () => {
			this.stopReason ??= 'stopped';
			this.subprocess.kill('SIGTERM');
			return this.exited;
		})();
		return this.stopping;
	}
}

function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
	let pending = '';
	stream.setEncoding('utf8');
	stream.on('data', (chunk: string) => {
		const lines = (pending + chunk).split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) {
			onLine(line);
		}
	});
	stream.on('end', () => {
		if (pending !== '') {
			onLine(pending);
		}
	});
}
