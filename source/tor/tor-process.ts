import {randomBytes} from 'node:crypto';
import {EventEmitter} from 'node:events';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {setTimeout as delay} from 'node:timers/promises';
import {type ResultPromise, execa} from 'execa';
import type {Status} from '../core/status.js';
import {Termination} from '../util/terminate.js';
import type {TorControlEvent} from './control/async-event.js';
import {redactControlLine} from './control/redact.js';
import {TorControl} from './control/tor-control.js';
import {TorBootstrapError} from './errors/tor-bootstrap-error.js';
import {TorNotFoundError} from './errors/tor-not-found-error.js';
import {TorStartError} from './errors/tor-start-error.js';
import {hashControlPassword} from './hash-password.js';
import {writeTorrcFiles} from './torrc.js';

export interface TorProcessOptions {
	/** Default `tor` (looked up on PATH). */
	torPath?: string;
	/** Created with mode 0700 if missing, and chmod 0700. */
	dataDirectory: string;
	/** Bind address for all ports, e.g. `127.0.0.1`. */
	host: string;
	socksPort: number;
	httpTunnelPort?: number;
	controlPort: number;
	/** Default `cookie` (SAFECOOKIE); `password` uses a random password and HashedControlPassword. */
	auth?: 'cookie' | 'password';
	/** Appended after our torrc lines. */
	torrcLines?: string[];
	/** Default `process.pid`: Tor exits when this process is gone (until TAKEOWNERSHIP takes over). */
	owningPid?: number;
	/** Deadline for the control port to come up after spawning; default 30 s. */
	startTimeoutMs?: number;
}

/** The shared lifecycle words; a Tor process is never `offline` (once gone, it stays gone). */
export type TorProcessStatus = Exclude<Status, 'offline'>;

/** Why the process ended: `stop()` was called, `start()` failed, or Tor exited by itself (crash, lost owner). */
export type TorExitReason = 'stopped' | 'start-failed' | 'exited';

export interface TorExitInfo {
	/** The first reason recorded wins. */
	reason: TorExitReason;
	exitCode: number | undefined;
	signal: string | undefined;
	/** SIGTERM was not enough and SIGKILL was sent. */
	killed: boolean;
}

export interface TorProcessEvents {
	bootstrap: [progress: number, summary: string];
	exit: [TorExitInfo];
	/** A line Tor printed (notice log on stdout, anything on stderr), redacted. */
	log: [line: string];
}

const logTailSize = 20;
const spawnOptions = {
	reject: false,
	buffer: false,
	stdin: 'ignore',
	// No execa cleanup: it does not apply to detached children. stop() ends Tor on every normal path;
	// TAKEOWNERSHIP (and __OwningControllerProcess before it) ends it when this process dies.
	// Our own escalation in stop() (util/terminate.ts).
	forceKillAfterDelay: false,
	// Its own process group: a terminal's Ctrl-C reaches only us, and we stop Tor in order (leases
	// told first).
	detached: true,
} as const;

/** One supervised Tor process with an authenticated, owning control connection. */
export class TorProcess extends EventEmitter<TorProcessEvents> {
	status: TorProcessStatus = 'idle';
	/** Authenticated, TAKEOWNERSHIP done and STATUS_CLIENT events on once `start()` resolves. */
	readonly control: TorControl;
	/** Last bootstrap progress seen, 0-100. */
	bootstrapProgress = 0;
	exitInfo: TorExitInfo | undefined;

	readonly #options: TorProcessOptions;
	readonly #logTail: string[] = [];
	#subprocess: ResultPromise<typeof spawnOptions> | undefined;
	#exited: Promise<TorExitInfo> | undefined;
	/** Why Tor ended (the first reason wins) and whether SIGKILL was needed. */
	readonly #termination = new Termination<TorExitReason>();
	#stopping: Promise<void> | undefined;

	constructor(options: TorProcessOptions) {
		super();
		this.#options = options;
		this.control = new TorControl({host: options.host, port: options.controlPort});
		this.control.on('event', event => {
			this.#onControlEvent(event);
		});
	}

	get pid(): number | undefined {
		return this.#subprocess?.pid;
	}

	/** Spawn Tor, connect and authenticate, take ownership, subscribe to bootstrap events. */
	async start(): Promise<void> {
		if (this.status !== 'idle') {
			throw new TorStartError(`cannot start a TorProcess that is ${this.status}`, []);
		}

		this.status = 'starting';
		try {
			const password = this.#options.auth === 'password' ? randomBytes(24).toString('base64url') : undefined;
			await this.#spawn(password === undefined ? undefined : hashControlPassword(password));
			await this.#connectControl(Date.now() + (this.#options.startTimeoutMs ?? 30_000));
			await this.control.authenticate(password === undefined ? {} : {password});
			await this.control.takeOwnership();
			// Control-spec 3.23: once the connection owns Tor, stop the PID polling; Tor still exits when it closes.
			await this.control.resetConf(['__OwningControllerProcess']);
			await this.control.setEvents(['STATUS_CLIENT']);
		} catch (error) {
			this.#termination.record('start-failed');
			await this.stop();
			if (error instanceof TorNotFoundError || error instanceof TorStartError) {
				throw error;
			}

			throw new TorStartError(`tor did not start: ${(error as Error).message}`, [...this.#logTail], {cause: error});
		}

		if (this.status !== 'starting') {
			throw new TorStartError('tor was stopped while starting', [...this.#logTail]);
		}

		this.status = 'ready';
	}

	/** Resolve once Tor reports PROGRESS=100; reject on timeout (default 120 s) or if Tor ends first. */
	async waitForBootstrap(options: {timeoutMs?: number} = {}): Promise<void> {
		const timeoutMs = options.timeoutMs ?? 120_000;
		if (this.status !== 'ready') {
			throw new TorBootstrapError(`cannot wait for bootstrap: tor is ${this.status}`, this.bootstrapProgress);
		}

		return new Promise<void>((resolve, reject) => {
			const finish = (error?: TorBootstrapError) => {
				clearTimeout(timer);
				this.off('bootstrap', onBootstrap);
				this.off('exit', onExit);
				if (error) {
					reject(error);
				} else {
					resolve();
				}
			};

			const onBootstrap = (progress: number) => {
				if (progress >= 100) {
					finish();
				}
			};

			const onExit = (info: TorExitInfo) => {
				finish(new TorBootstrapError(`tor ended (${info.reason}) at ${this.bootstrapProgress}% before bootstrapping`, this.bootstrapProgress));
			};

			const timer = setTimeout(() => {
				finish(new TorBootstrapError(`tor did not bootstrap within ${timeoutMs} ms (at ${this.bootstrapProgress}%)`, this.bootstrapProgress));
			}, timeoutMs);
			// Listen first, then ask: no event can slip between the answer and the subscription.
			this.on('bootstrap', onBootstrap);
			this.on('exit', onExit);
			this.control.getBootstrapPhase().then(phase => {
				this.#noteProgress(phase.progress, phase.summary);
			}, (error: unknown) => {
				finish(new TorBootstrapError('could not read the bootstrap phase', this.bootstrapProgress, {cause: error}));
			});
		});
	}

	/** Idempotent: SIGTERM, SIGKILL after `timeoutMs` (default 5 s); resolves when the process is gone. */
	stop(options: {timeoutMs?: number} = {}): Promise<void> {
		this.#stopping ??= this.#stop(options.timeoutMs ?? 5000);
		return this.#stopping;
	}

	async #stop(timeoutMs: number): Promise<void> {
		this.#termination.record('stopped');
		const subprocess = this.#subprocess;
		if (!subprocess || !this.#exited) {
			this.status = 'stopped';
			await this.control.close();
			return;
		}

		if (this.status !== 'stopped') {
			this.status = 'stopping';
		}

		await this.#termination.terminate(subprocess, 'stopped', {timeoutMs});
		// The process is gone; wait for its exit to be recorded (exitInfo, the 'exit' event).
		await this.#exited;
		await this.control.close();
	}

	async #spawn(hashedControlPassword: string | undefined): Promise<void> {
		const options = this.#options;
		const {torrcPath, defaultsPath} = await writeTorrcFiles({
			dataDirectory: path.resolve(options.dataDirectory),
			host: options.host,
			socksPort: options.socksPort,
			...(options.httpTunnelPort === undefined ? {} : {httpTunnelPort: options.httpTunnelPort}),
			controlPort: options.controlPort,
			...(hashedControlPassword === undefined ? {} : {hashedControlPassword}),
			owningPid: options.owningPid ?? process.pid,
			extraLines: options.torrcLines ?? [],
		});
		if (this.status !== 'starting') {
			throw new TorStartError('tor was stopped while starting', []);
		}

		const torPath = options.torPath ?? 'tor';
		const subprocess = execa(torPath, ['--defaults-torrc', defaultsPath, '-f', torrcPath], spawnOptions);
		this.#subprocess = subprocess;
		for (const stream of [subprocess.stdout, subprocess.stderr]) {
			createInterface({input: stream, crlfDelay: Number.POSITIVE_INFINITY}).on('line', line => {
				this.#onLogLine(line);
			});
		}

		this.#exited = subprocess.then(result => this.#onExit(result.exitCode, result.signal));
		if (subprocess.pid === undefined) {
			const result = await subprocess;
			throw result.code === 'ENOENT'
				? new TorNotFoundError(torPath, {cause: result})
				: new TorStartError(`could not run "${torPath}": ${result.shortMessage}`, [], {cause: result});
		}
	}

	/** Retry connecting until the control port answers, Tor exits, or the deadline passes. */
	async #connectControl(deadline: number): Promise<void> {
		const {host, controlPort} = this.#options;
		for (;;) {
			const exit = this.exitInfo;
			if (exit && exit.reason !== 'stopped') {
				throw new TorStartError(`tor exited (code ${exit.exitCode}, signal ${exit.signal}) while starting`, [...this.#logTail]);
			}

			if (this.status !== 'starting') {
				throw new TorStartError('tor was stopped while starting', [...this.#logTail]);
			}

			try {
				// eslint-disable-next-line no-await-in-loop
				await this.control.connect();
				return;
			} catch (error) {
				if (Date.now() >= deadline) {
					throw new TorStartError(`tor did not open its control port ${host}:${controlPort} in time`, [...this.#logTail], {cause: error});
				}
			}

			// eslint-disable-next-line no-await-in-loop
			await Promise.race([delay(50), this.#exited ?? delay(50)]);
		}
	}

	#onExit(exitCode: number | undefined, signal: string | undefined): TorExitInfo {
		const reason = this.#termination.record(this.status === 'starting' ? 'start-failed' : 'exited');
		const info: TorExitInfo = {reason, exitCode, signal, killed: this.#termination.killed};
		this.exitInfo = info;
		this.status = 'stopped';
		void this.control.close();
		this.emit('exit', info);
		return info;
	}

	#onLogLine(line: string): void {
		const redacted = redactControlLine(line);
		this.#logTail.push(redacted);
		if (this.#logTail.length > logTailSize) {
			this.#logTail.shift();
		}

		this.emit('log', redacted);
	}

	#onControlEvent(event: TorControlEvent): void {
		if (event.kind === 'bootstrap') {
			this.#noteProgress(event.progress, event.summary);
		}
	}

	#noteProgress(progress: number, summary: string): void {
		this.bootstrapProgress = progress;
		this.emit('bootstrap', progress, summary);
	}
}
