import {createInterface} from 'node:readline';
import type {Readable} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {execa, type Options, type Result, type ResultPromise} from 'execa';

/** The built CLI: tests run `node dist/cli.js` as users run `nightcrawler` (build first). */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

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
	const exited = Promise.resolve(subprocess).finally(() => {
		running.delete(cli);
	});
	const cli: CliProcess = {
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
