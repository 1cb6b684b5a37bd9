import {constants} from 'node:os';
import {errorLine, exitCodeOf} from './error-line.js';

export type ShutdownReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'quit' | 'stdout-closed' | 'error' | 'done';
type Step = {readonly name: string; readonly run: () => unknown; readonly timeoutMs: number};

export type ShutdownOptions = {
	/** Where one-line notices go (default: console.error, which Ink prints above its view). */
	write?: (line: string) => void;
	/** Ends the process at once: only for a second signal, or when something lingers after shutdown. */
	exit?: (code: number) => void;
	/** Sets the exit code once shutdown is done (default: process.exitCode). */
	setExitCode?: (code: number) => void;
	/** How long to wait after shutdown for the event loop to empty before exiting anyway. */
	lingerMs?: number;
};

const forwardedSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type HandledSignal = (typeof forwardedSignals)[number];

/** 128 + the signal's number, as shells report a process ended by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
	return 128 + (constants.signals[signal] ?? 0);
}

/**
 * The one way a command ends. Resources are registered as they are acquired (`defer`) and given back
 * in reverse order; `deferLast` steps (the UI) run after them. `shutdown(reason)` runs once, whatever
 * called it first; later calls await the same run. A second signal during it kills the children that
 * were registered with `onForce` and exits at once.
 */
export class Shutdown {
	/** Aborted when shutdown begins: work still starting should give up. */
	readonly signal: AbortSignal;
	reason: ShutdownReason | undefined;
	/** The one-line message of the error that caused the shutdown, if one did. */
	error: string | undefined;
	exitCode = 0;
	private readonly controller = new AbortController();
	private readonly steps: Step[] = [];
	private readonly lastSteps: Step[] = [];
	private readonly forceHooks: Array<() => void> = [];
	/** While a full-screen view is up: lines to print again once it is gone. */
	private screenLines: string[] | undefined;
	private readonly write: (line: string) => void;
	private readonly exit: (code: number) => void;
	private readonly setExitCode: (code: number) => void;
	private readonly lingerMs: number;
	private readonly signalHandlers = new Map<HandledSignal, () => void>();
	private readonly removeProcessListeners: Array<() => void> = [];
	/** stderr failed a write: notices are not written any more. */
	private stderrClosed = false;
	/** idle → stopping (steps running) → stopped (every step done, exit code set). */
	status: 'idle' | 'stopping' | 'stopped' = 'idle';
	private running: Promise<void> | undefined;

	constructor(options: ShutdownOptions = {}) {
		this.signal = this.controller.signal;
		this.write = options.write ?? (line => {
			console.error(line);
		});
		this.exit = options.exit ?? (code => process.exit(code));
		this.setExitCode = options.setExitCode ?? (code => {
			process.exitCode = code;
		});
		this.lingerMs = options.lingerMs ?? 5000;
	}

	/**
	 * When a signal arrives: return true when it was dealt with (`run` forwards it to its command),
	 * false to shut down (or, during shutdown, to force the exit).
	 */
	signalHook: ((signal: HandledSignal) => boolean) | undefined;

	/** One line for the user on stderr, prefixed with the program's name. */
	notice(line: string): void {
		if (this.stderrClosed) {
			// Every write would fail again, and report its failure again.
			return;
		}

		const text = `nightcrawler: ${line}`;
		this.write(text);
		this.screenLines?.push(text);
	}

	/** A full-screen view is up: notices shown in it are printed again when it is gone. */
	screenMounted(): void {
		this.screenLines = [];
	}

	screenUnmounted(): void {
		const lines = this.screenLines ?? [];
		this.screenLines = undefined;
		for (const line of lines) {
			this.write(line);
		}
	}

	get started(): boolean {
		return this.status !== 'idle';
	}

	/** Register a cleanup step; steps run last-registered first. Registered after shutdown ran, it runs at once. */
	defer(name: string, run: () => unknown, {timeoutMs = 20_000} = {}): void {
		const step = {name, run, timeoutMs};
		if (this.status === 'stopped') {
			void this.runStep(step);
			return;
		}

		this.steps.push(step);
	}

	/** Register a step that runs after every `defer` step (unmounting the UI, restoring the terminal). */
	deferLast(name: string, run: () => unknown, {timeoutMs = 5000} = {}): void {
		const step = {name, run, timeoutMs};
		if (this.status === 'stopped') {
			void this.runStep(step);
			return;
		}

		this.lastSteps.push(step);
	}

	/** Synchronous last resort for a forced exit: kill the children that are still running. */
	onForce(hook: () => void): void {
		this.forceHooks.push(hook);
	}

	/** Shut down on SIGINT, SIGTERM and SIGHUP (unless `signalHook` takes the signal), and on a crash or a failing stderr. */
	listen(): void {
		for (const signal of forwardedSignals) {
			const handler = () => {
				if (this.signalHook?.(signal)) {
					return;
				}

				if (this.started) {
					this.force(signal);
				} else {
					void this.shutdown(signal, signalExitCode(signal));
				}
			};

			this.signalHandlers.set(signal, handler);
			this.onSignal(signal, handler);
		}

		this.listenForCrashes();
	}

	/**
	 * Shut down on an uncaught exception, an unhandled rejection or an error on stderr (EPIPE), but
	 * leave signals alone: for a command that handles them itself (`testnet`) and stops when `signal`
	 * aborts.
	 */
	listenForCrashes(): void {
		// A bug must not orphan Tor: it is reported in one line and takes the same way out.
		const onCrash = (error: unknown) => {
			void this.fail(error);
		};

		// Nobody reads stderr any more (EPIPE): the same way out, in silence.
		const onStderrError = (error: unknown) => {
			this.stderrClosed = true;
			void this.fail(error);
		};

		process.on('uncaughtException', onCrash);
		process.on('unhandledRejection', onCrash);
		process.stderr.on('error', onStderrError);
		this.removeProcessListeners.push(() => {
			process.off('uncaughtException', onCrash);
			process.off('unhandledRejection', onCrash);
			process.stderr.off('error', onStderrError);
		});
	}

	/** Remove every process listener `listen()` added (for tests and embedding). */
	unlisten(): void {
		for (const remove of this.removeProcessListeners.splice(0)) {
			remove();
		}
	}

	/** `q` or Ctrl-C in a full-screen view: shut down; pressed again while shutting down, stop at once. */
	quit(): void {
		if (this.started) {
			this.force('SIGINT');
		} else {
			void this.shutdown('quit');
		}
	}

	/**
	 * Report the error in one line, then shut down with exit code 1 (or the error's own). During a
	 * shutdown it is still reported, and a run that was to end with 0 ends with that code instead;
	 * once stopped, it is dropped (everything was given back, the exit code is set).
	 */
	async fail(error: unknown, exitCode = exitCodeOf(error)): Promise<void> {
		if (this.running && error === this.controller.signal.reason) {
			// A command that stopped waiting because the shutdown began (it threw the signal's reason): not a failure.
			return this.running;
		}

		if (this.status === 'stopping') {
			this.notice(errorLine(error));
			if (this.exitCode === 0) {
				this.exitCode = exitCode;
			}
		}

		if (this.started) {
			return this.running;
		}

		this.error = errorLine(error);
		this.notice(this.error);
		return this.shutdown('error', exitCode);
	}

	async shutdown(reason: ShutdownReason, exitCode = 0): Promise<void> {
		if (!this.running) {
			this.status = 'stopping';
			this.reason = reason;
			this.exitCode = exitCode;
			this.controller.abort(new Error(`shutting down (${reason})`));
			this.running = this.run();
		}

		return this.running;
	}

	/** Kill registered children and exit now with 128+signal. */
	force(signal: NodeJS.Signals): void {
		this.notice('asked again to stop: killing what is left and exiting at once');
		for (const hook of this.forceHooks) {
			try {
				hook();
			} catch {}
		}

		this.exit(signalExitCode(signal));
	}

	private async run(): Promise<void> {
		// Steps may register further steps (a start that finished while stopping): drain until empty.
		for (let step = this.steps.pop(); step; step = this.steps.pop()) {
			// eslint-disable-next-line no-await-in-loop
			await this.runStep(step);
		}

		for (const step of this.lastSteps.splice(0)) {
			// eslint-disable-next-line no-await-in-loop
			await this.runStep(step);
		}

		this.status = 'stopped';
		for (const [signal, handler] of this.signalHandlers) {
			process.off(signal, handler);
			// Everything is given back: a late signal only ends the process sooner, with the same code.
			this.onSignal(signal, () => {
				this.exit(this.exitCode);
			});
		}

		this.setExitCode(this.exitCode);
		// Nothing should keep the process alive now; if something does, do not hang the terminal.
		setTimeout(() => {
			this.notice(`still running ${this.lingerMs / 1000} s after shutdown; exiting`);
			this.exit(this.exitCode);
		}, this.lingerMs).unref();
	}

	private onSignal(signal: HandledSignal, handler: () => void): void {
		process.on(signal, handler);
		this.removeProcessListeners.push(() => {
			process.off(signal, handler);
		});
	}

	private async runStep(step: Step): Promise<void> {
		let timer: NodeJS.Timeout | undefined;
		try {
			await Promise.race([
				Promise.resolve().then(step.run),
				new Promise((_resolve, reject) => {
					timer = setTimeout(() => {
						reject(new Error(`gave up waiting for ${step.name} after ${step.timeoutMs / 1000} s`));
					}, step.timeoutMs);
				}),
			]);
		} catch (error) {
			this.notice(`while stopping ${step.name}: ${errorLine(error)}`);
			if (this.exitCode === 0) {
				this.exitCode = 1;
			}
		} finally {
			clearTimeout(timer);
		}
	}
}
