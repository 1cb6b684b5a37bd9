// A little over 300 lines: one instance's whole life cycle (start, bootstrap, pin, health, restart,
// stop) in one owner of its status; its exit (instance-exit.ts), health checks and back-off live in their own files.
import {EventEmitter} from 'node:events';
import {type Status, isStopped} from '../core/status.js';
import type {InstanceSnapshot, InstanceState, ProxyEndpoint} from '../pool/pool-backend.js';
import {InstanceNotReadyError} from './errors/instance-not-ready-error.js';
import {InstanceExit} from './instance-exit.js';
import {instanceState} from './instance-state.js';
import {TorStartError} from './errors/tor-start-error.js';
import {watchHealth} from './health-check.js';
import {RestartBackoff} from './restart-backoff.js';
import type {InstancePorts, TorInstanceEvents, TorInstanceOptions} from './tor-instance-options.js';
import {type TorExitInfo, TorProcess} from './tor-process.js';

export type {InstancePorts, TorInstanceEvents, TorInstanceOptions} from './tor-instance-options.js';

/**
 * One supervised Tor instance: starts Tor, waits for 100% bootstrap, pins an exit and proves it
 * with a request (exit-pinning.ts), re-pins on rotation, checks its health (health-check.ts), and
 * restarts Tor with backoff (restart-backoff.ts) when it dies or stops answering.
 *
 * Its lifecycle is one `Status`: `starting` (the first start), `ready` (serving a pinned exit, also
 * while it rotates), `offline` (Tor died or never came up, and is being restarted), `stopping`,
 * `stopped`. The pool's finer `InstanceState` is derived from it (see `state`).
 */
export class TorInstance extends EventEmitter<TorInstanceEvents> {
	private status: Status = 'idle';
	/**
	 * The current Tor. Callbacks of an earlier one (its exit, its bootstrap finishing, its health
	 * checks) compare their process with this one and do nothing once it has been replaced.
	 */
	private process: TorProcess | undefined;
	/** The rotation being run, if any: work in flight, shown as `rotating`, not a lifecycle state. */
	private rotation: Promise<ProxyEndpoint> | undefined;
	private bootstrap = 0;
	private startedAt: number | undefined;
	private readonly exit: InstanceExit;
	private rotations = 0;
	private restarts = 0;
	private lastError: string | undefined;
	private readonly backoff = new RestartBackoff();
	private restartTimer: NodeJS.Timeout | undefined;
	private stopHealthChecks: (() => void) | undefined;
	private queue: Promise<unknown> = Promise.resolve();
	private stopping: Promise<void> | undefined;
	private ports: InstancePorts;

	constructor(private readonly options: TorInstanceOptions) {
		super();
		const {socksPort, httpTunnelPort, controlPort} = options;
		this.ports = {socksPort, httpTunnelPort, controlPort};
		this.exit = new InstanceExit(options, message => {
			this.emit('log', message);
		});
	}

	get id(): string {
		return this.options.id;
	}

	get endpoint(): ProxyEndpoint {
		const {id, host} = this.options;
		return {id, host, port: this.ports.socksPort, httpPort: this.ports.httpTunnelPort, exitIp: this.exit.ip, ...(this.exit.shared ? {sharedExit: true} : {})};
	}

	/** The relay the instance is pinned to now, if any. */
	get exitRelay(): string | undefined {
		return this.exit.relay;
	}

	/** What the pool shows: the lifecycle status, with `rotating` and `restarting` told apart. */
	get state(): InstanceState {
		return instanceState(this.status, {rotating: this.rotation !== undefined, torStatus: this.process?.status});
	}

	snapshot(): InstanceSnapshot {
		return {...this.endpoint, state: this.state, bootstrap: this.bootstrap, startedAt: this.startedAt, rotations: this.rotations, restarts: this.restarts, pid: this.process?.pid, lastError: this.lastError};
	}

	/** Spawn Tor and connect to it; resolves once its control port is up. Readiness follows in the background. */
	async start(): Promise<void> {
		if (this.status !== 'idle') {
			throw new TorStartError(`cannot start instance ${this.id}: it is ${this.status}`, []);
		}

		this.setStatus('starting');
		await this.launch();
	}

	/** Pin a new exit (different from the current one) and verify it. Rotations of one instance run one at a time. */
	async rotate(): Promise<ProxyEndpoint> {
		return this.serialize(async () => {
			const tor = this.process;
			if (this.status !== 'ready' || !tor) {
				throw new InstanceNotReadyError(this.id, this.state);
			}

			this.rotation = this.pinNewExit(tor).then(() => this.endpoint);
			this.changed();
			try {
				await this.rotation;
				this.rotations++;
				return this.endpoint;
			} catch (error) {
				// Its pin is unknown now: restart it (its holder is told it is down) rather than lease it half-rotated.
				this.fail(error, 'rotation failed');
				void tor.stop({timeoutMs: this.options.stopTimeoutMs});
				throw error;
			} finally {
				this.rotation = undefined;
				this.changed();
			}
		});
	}

	/**
	 * Move onto an exit nobody in the cluster holds, when it shares its exit and one is free (see
	 * unshareExit); resolves with the endpoint, moved or not. Serialized with rotations. Its caller
	 * makes sure no one uses the proxy meanwhile: the pin may change while it tries.
	 */
	async unshare(): Promise<ProxyEndpoint> {
		return this.serialize(async () => {
			const tor = this.process;
			if (this.status !== 'ready' || !tor) {
				return this.endpoint;
			}

			try {
				if (await this.exit.unshare({control: tor.control, socksPort: this.ports.socksPort})) {
					this.changed();
				}

				return this.endpoint;
			} catch (error) {
				this.fail(error, 'moving off a shared exit failed');
				void tor.stop({timeoutMs: this.options.stopTimeoutMs});
				throw error;
			}
		});
	}

	/** Kill and start Tor again. */
	async restart(): Promise<void> {
		this.lastError = 'restarted by request';
		await this.process?.stop({timeoutMs: this.options.stopTimeoutMs});
	}

	/** Stop Tor for good and release its exit. Idempotent: a second call waits for the first. */
	async stop(): Promise<void> {
		this.stopping ??= (async () => {
			this.setStatus('stopping');
			clearTimeout(this.restartTimer);
			this.stopHealthChecks?.();
			await this.process?.stop({timeoutMs: this.options.stopTimeoutMs});
			// After whatever pinning was under way (it fails fast once Tor is gone), so no claim it made outlives the stop.
			await this.serialize(async () => this.exit.release());
			this.setStatus('stopped');
		})();
		return this.stopping;
	}

	/** Spawn Tor; once its control port is up, bring it to ready in the background. A failed start is retried with backoff. */
	private async launch(): Promise<void> {
		try {
			const tor = await this.spawn();
			void this.becomeReady(tor);
		} catch (error) {
			const what = this.restarts > 0 ? 'restart failed' : 'start failed';
			this.fail(error, what);
			if (error instanceof TorStartError && error.portConflict) {
				await this.moveToFreshPorts();
			}

			this.onExit(`${what}: ${firstLine(error)}`);
			throw error;
		}
	}

	private async spawn(): Promise<TorProcess> {
		const {torPath, dataDirectory, host, torrcLines} = this.options;
		const tor = new TorProcess({torPath, dataDirectory, host, ...this.ports, torrcLines});
		this.process = tor;
		this.bootstrap = 0;
		this.changed();
		tor.on('bootstrap', progress => {
			this.bootstrap = progress;
			this.changed();
		});
		// A failed start is launch()'s to handle; from here on, Tor ending is this handler's.
		await tor.start();
		this.startedAt = Date.now();
		const onExit = (info: TorExitInfo) => {
			if (tor === this.process) {
				this.onExit(`tor exited (${info.reason}${info.signal ? `, ${info.signal}` : ''}${info.exitCode === undefined ? '' : `, code ${info.exitCode}`})`);
			}
		};

		if (tor.exitInfo) {
			onExit(tor.exitInfo);
		} else {
			tor.once('exit', onExit);
		}

		return tor;
	}

	private async becomeReady(tor: TorProcess): Promise<void> {
		try {
			await tor.waitForBootstrap({timeoutMs: this.options.bootstrapTimeoutMs});
			await this.serialize(async () => this.pinNewExit(tor));
			// Replaced, stopped, or dead meanwhile (its exit handler has taken over): nothing to serve.
			if (tor !== this.process || tor.status !== 'ready' || isStopped(this.status)) {
				return;
			}

			this.setStatus('ready');
			this.emit('ready', this.endpoint);
			this.scheduleHealthChecks(tor);
		} catch (error) {
			if (tor === this.process && !isStopped(this.status)) {
				this.fail(error, 'not ready');
				// Kill it; the exit handler restarts it with backoff.
				await tor.stop({timeoutMs: this.options.stopTimeoutMs});
			}
		}
	}

	/** Pin an exit other than the current one (see exit-pinning.ts) and serve it. */
	private async pinNewExit(tor: TorProcess): Promise<void> {
		await this.exit.pinNew({control: tor.control, socksPort: this.ports.socksPort});
		this.lastError = undefined;
	}

	private scheduleHealthChecks(tor: TorProcess): void {
		this.stopHealthChecks?.();
		const {healthIntervalMs, healthTimeoutMs, host, checkUrl, checkTimeoutMs, stopTimeoutMs} = this.options;
		if (healthIntervalMs <= 0) {
			return;
		}

		this.stopHealthChecks = watchHealth({
			intervalMs: healthIntervalMs,
			serialize: async check => this.serialize(check),
			probe: () => (tor === this.process && this.status === 'ready'
				? {control: tor.control, timeoutMs: healthTimeoutMs, host, socksPort: this.ports.socksPort, checkUrl, checkTimeoutMs, exitIp: this.exit.ip}
				: undefined),
			onUnresponsive: async error => {
				// Tor stopped answering its controller: kill it; the exit handler restarts it.
				this.fail(error, 'tor stopped answering');
				await tor.stop({timeoutMs: Math.min(1000, stopTimeoutMs)});
			},
			onExitFailing: async () => {
				this.emit('log', `${this.id}: exit ${this.exit.ip ?? '?'} stopped working; pinning another`);
				try {
					await this.pinNewExit(tor);
					this.emit('update', this.endpoint);
					this.changed();
				} catch (error) {
					this.fail(error, 're-pin failed');
					await tor.stop({timeoutMs: stopTimeoutMs});
				}
			},
		});
	}

	/** Tor ended (or could not start): tell the pool, and restart it after a backoff unless we are stopping. */
	private onExit(reason: string): void {
		this.stopHealthChecks?.();
		void this.exit.release();
		if (isStopped(this.status)) {
			return;
		}

		const servedMs = this.status === 'ready' && this.startedAt !== undefined ? Date.now() - this.startedAt : undefined;
		this.lastError ??= reason;
		this.setStatus('offline');
		this.emit('down', reason);
		const delay = this.backoff.next(servedMs);
		this.emit('log', `${this.id}: ${reason}; restarting in ${delay} ms`);
		this.restartTimer = setTimeout(() => {
			this.restarts++;
			this.lastError = undefined;
			this.launch().catch(() => undefined);
		}, delay);
	}

	/** Another process took one of our ports while Tor was down: take new ones, if we may. */
	private async moveToFreshPorts(): Promise<void> {
		const {freshPorts} = this.options;
		if (!freshPorts || isStopped(this.status)) {
			return;
		}

		try {
			const previous = this.ports;
			this.ports = await freshPorts();
			this.emit('log', `${this.id}: a port of ${previous.socksPort}/${previous.httpTunnelPort}/${previous.controlPort} is taken; moving to ${this.ports.socksPort}/${this.ports.httpTunnelPort}/${this.ports.controlPort}`);
		} catch (error) {
			this.emit('log', `${this.id}: no free ports to move to: ${firstLine(error)}`);
		}
	}

	private fail(error: unknown, what: string): void {
		this.lastError = `${what}: ${firstLine(error)}`;
		this.emit('log', `${this.id}: ${this.lastError}`);
		this.changed();
	}

	private setStatus(status: Status): void {
		this.status = status;
		this.changed();
	}

	private changed(): void {
		this.emit('change', this.snapshot());
	}

	private async serialize<T>(task: () => Promise<T>): Promise<T> {
		const run = this.queue.then(task, task);
		this.queue = run.catch(() => undefined);
		return run;
	}
}

function firstLine(error: unknown): string {
	return error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
}

