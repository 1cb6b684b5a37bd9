import {EventEmitter} from 'node:events';
import type {InstanceSnapshot, InstanceState, ProxyEndpoint} from '../pool/pool-backend.js';
import type {RouterStatus} from './control/router-status.js';
import type {ExitAllocator} from './exit-allocator.js';
import {checkExit} from './exit-check.js';
import {NoExitError} from './errors/no-exit-error.js';
import {TorStartError} from './errors/tor-start-error.js';
import {TorProcess} from './tor-process.js';

export type TorInstanceOptions = {
	id: string;
	torPath?: string;
	host: string;
	socksPort: number;
	httpTunnelPort: number;
	controlPort: number;
	dataDirectory: string;
	torrcLines: string[];
	checkUrl: string;
	allocator: ExitAllocator;
	bootstrapTimeoutMs: number;
	checkTimeoutMs: number;
	/** How often a ready instance proves its exit still works (0: never). */
	healthIntervalMs: number;
	stopTimeoutMs: number;
	/**
	 * New free ports (SOCKS, HTTP tunnel, control), for a restart that found one of its ports taken
	 * meanwhile. Without it (ports the user chose), the instance keeps retrying its own.
	 */
	freshPorts?: () => Promise<InstancePorts>;
};

export type InstancePorts = {socksPort: number; httpTunnelPort: number; controlPort: number};

export type TorInstanceEvents = {
	change: [InstanceSnapshot];
	ready: [ProxyEndpoint];
	down: [reason: string];
	/** The exit changed by itself (re-pinned after the old exit failed). */
	update: [ProxyEndpoint];
	log: [message: string];
};

const maxPinAttempts = 6;
const maxBackoffMs = 30_000;

/**
 * One supervised Tor instance: starts Tor, waits for 100% bootstrap, pins an exit and proves it
 * with a request, re-pins on rotation, restarts Tor with backoff when it dies or stops answering.
 */
export class TorInstance extends EventEmitter<TorInstanceEvents> {
	private process: TorProcess | undefined;
	private state: InstanceState = 'starting';
	private bootstrap = 0;
	private startedAt: number | undefined;
	private exitIp: string | undefined;
	private exitFingerprint: string | undefined;
	private rotations = 0;
	private restarts = 0;
	private lastError: string | undefined;
	private backoffMs = 500;
	private restartTimer: NodeJS.Timeout | undefined;
	private healthTimer: NodeJS.Timeout | undefined;
	private queue: Promise<unknown> = Promise.resolve();
	private stopped = false;
	private generation = 0;
	private ports: InstancePorts;

	constructor(private readonly options: TorInstanceOptions) {
		super();
		const {socksPort, httpTunnelPort, controlPort} = options;
		this.ports = {socksPort, httpTunnelPort, controlPort};
	}

	get id(): string {
		return this.options.id;
	}

	get endpoint(): ProxyEndpoint {
		const {id, host} = this.options;
		return {id, host, port: this.ports.socksPort, httpPort: this.ports.httpTunnelPort, exitIp: this.exitIp};
	}

	snapshot(): InstanceSnapshot {
		return {...this.endpoint, state: this.state, bootstrap: this.bootstrap, startedAt: this.startedAt, rotations: this.rotations, restarts: this.restarts, pid: this.process?.pid, lastError: this.lastError};
	}

	/** Spawn Tor and connect to it; resolves once its control port is up. Readiness follows in the background. */
	async start(): Promise<void> {
		const tor = await this.spawn();
		void this.becomeReady(tor, this.generation);
	}

	/** Pin a new exit (different from the current one) and verify it. Rotations of one instance run one at a time. */
	async rotate(): Promise<ProxyEndpoint> {
		return this.serialize(async () => {
			if (this.state !== 'ready' || !this.process) {
				throw new Error(`instance ${this.id} is ${this.state}`);
			}

			this.setState('rotating');
			try {
				await this.pinNewExit(this.process);
				this.rotations++;
				this.setState('ready');
				return this.endpoint;
			} catch (error) {
				// Its pin is unknown now: restart it (its holder is told it is down) rather than lease it half-rotated.
				this.fail(error, 'rotation failed');
				void this.process.stop({timeoutMs: this.options.stopTimeoutMs});
				throw error;
			}
		});
	}

	/** Kill and start Tor again. */
	async restart(): Promise<void> {
		this.lastError = 'restarted by request';
		await this.process?.stop({timeoutMs: this.options.stopTimeoutMs});
	}

	async stop(): Promise<void> {
		this.stopped = true;
		clearTimeout(this.restartTimer);
		clearInterval(this.healthTimer);
		this.options.allocator.release(this.id);
		await this.process?.stop({timeoutMs: this.options.stopTimeoutMs});
		this.setState('stopped');
	}

	private async spawn(): Promise<TorProcess> {
		const generation = ++this.generation;
		const {torPath, dataDirectory, host, torrcLines} = this.options;
		const tor = new TorProcess({torPath, dataDirectory, host, ...this.ports, torrcLines});
		this.process = tor;
		this.bootstrap = 0;
		this.setState(this.restarts > 0 ? 'restarting' : 'starting');
		tor.on('bootstrap', progress => {
			this.bootstrap = progress;
			this.emit('change', this.snapshot());
		});
		tor.on('exit', info => {
			if (generation === this.generation) {
				this.onExit(`tor exited (${info.reason}${info.signal ? `, ${info.signal}` : ''}${info.exitCode === undefined ? '' : `, code ${info.exitCode}`})`);
			}
		});
		await tor.start();
		this.startedAt = Date.now();
		return tor;
	}

	private async becomeReady(tor: TorProcess, generation: number): Promise<void> {
		try {
			await tor.waitForBootstrap({timeoutMs: this.options.bootstrapTimeoutMs});
			await this.serialize(async () => this.pinNewExit(tor));
			if (generation !== this.generation || this.stopped) {
				return;
			}

			this.setState('ready');
			this.emit('ready', this.endpoint);
			this.scheduleHealthChecks(tor, generation);
		} catch (error) {
			if (generation === this.generation && !this.stopped) {
				this.fail(error, 'not ready');
				// Kill it; the exit handler restarts it with backoff.
				await tor.stop({timeoutMs: this.options.stopTimeoutMs});
			}
		}
	}

	/**
	 * Choose an exit nobody else holds, pin it, and prove traffic leaves through it from a new
	 * address. When every working exit is held by another instance, one is shared; the old exit
	 * address is never given back.
	 */
	private async pinNewExit(tor: TorProcess): Promise<void> {
		const {allocator} = this.options;
		const relays: RouterStatus[] = await tor.control.getExitRelays();
		const exclude = new Set<string>(this.exitFingerprint ? [this.exitFingerprint] : []);
		const previousIp = this.exitIp;
		let shared: RouterStatus | undefined;
		for (let attempt = 0; attempt < maxPinAttempts; attempt++) {
			const relay = allocator.choose(this.id, relays, exclude);
			if (!relay) {
				break;
			}

			exclude.add(relay.fingerprint);
			// eslint-disable-next-line no-await-in-loop
			const ip = await this.pinAndCheck(tor, relay);
			if (ip === undefined || ip === previousIp) {
				continue;
			}

			if (allocator.ipsInUse(this.id).has(ip)) {
				this.emit('log', `${this.id}: exit ${relay.nickname} leaves from ${ip}, already in use; trying another exit`);
				shared ??= relay;
				continue;
			}

			this.pinned(relay, ip);
			return;
		}

		const ip = shared ? await this.pinAndCheck(tor, shared) : undefined;
		if (shared && ip !== undefined && ip !== previousIp) {
			this.emit('log', `${this.id}: every other exit is in use; sharing ${shared.nickname} (${ip})`);
			this.pinned(shared, ip);
			return;
		}

		throw new NoExitError(`${this.id}: no usable exit found (tried ${exclude.size})`);
	}

	private pinned(relay: RouterStatus, ip: string): void {
		this.options.allocator.assign(this.id, relay.fingerprint, ip);
		this.exitFingerprint = relay.fingerprint;
		this.exitIp = ip;
		this.lastError = undefined;
	}

	/**
	 * Pin `relay` and check through the instance that traffic leaves through it. Circuits Tor was
	 * building while the pin was set can slip through the first close; they are closed again and the
	 * check repeated. Resolves with the exit address seen, or undefined when the relay failed.
	 */
	private async pinAndCheck(tor: TorProcess, relay: RouterStatus): Promise<string | undefined> {
		const {host, socksPort, checkUrl, checkTimeoutMs} = this.options;
		for (let round = 0; round < 3; round++) {
			try {
				// eslint-disable-next-line no-await-in-loop
				await tor.control.pinExit(relay.fingerprint);
				// eslint-disable-next-line no-await-in-loop
				const check = await checkExit({control: tor.control, host, socksPort, checkUrl, timeoutMs: checkTimeoutMs});
				if (check.exitFingerprint === relay.fingerprint) {
					// eslint-disable-next-line no-await-in-loop
					await this.closeStrayCircuits(tor, relay.fingerprint);
					return check.ip;
				}

				this.emit('log', `${this.id}: check left through ${check.exitFingerprint?.slice(0, 8) ?? 'an unknown circuit'}, not the pinned ${relay.nickname}; closing circuits again`);
			} catch (error) {
				this.emit('log', `${this.id}: exit ${relay.nickname} failed its check: ${(error as Error).message}`);
				return undefined;
			}
		}

		return undefined;
	}

	/** Close every circuit that is not a built circuit ending at `fingerprint`: nothing may slip past the pin. */
	private async closeStrayCircuits(tor: TorProcess, fingerprint: string): Promise<void> {
		const circuits = await tor.control.getCircuits();
		const stray = circuits.filter(circuit => circuit.status !== 'BUILT' || circuit.path.at(-1)?.fingerprint !== fingerprint);
		await Promise.all(stray.map(async circuit => tor.control.closeCircuit(circuit.id).catch(() => undefined)));
	}

	private scheduleHealthChecks(tor: TorProcess, generation: number): void {
		clearInterval(this.healthTimer);
		const {healthIntervalMs, host, socksPort, checkUrl, checkTimeoutMs} = this.options;
		if (healthIntervalMs <= 0) {
			return;
		}

		let failures = 0;
		this.healthTimer = setInterval(() => {
			void this.serialize(async () => {
				if (generation !== this.generation || this.state !== 'ready') {
					return;
				}

				try {
					await tor.control.command('GETINFO version', {timeoutMs: Math.min(5000, healthIntervalMs)});
				} catch (error) {
					// Tor stopped answering its controller: kill it; the exit handler restarts it.
					this.fail(error, 'tor stopped answering');
					await tor.stop({timeoutMs: Math.min(1000, this.options.stopTimeoutMs)});
					return;
				}

				try {
					const check = await checkExit({control: tor.control, host, socksPort, checkUrl, timeoutMs: checkTimeoutMs});
					failures = check.ip === this.exitIp ? 0 : failures + 1;
				} catch {
					failures++;
				}

				if (failures >= 2) {
					failures = 0;
					this.emit('log', `${this.id}: exit ${this.exitIp ?? '?'} stopped working; pinning another`);
					try {
						await this.pinNewExit(tor);
						this.emit('update', this.endpoint);
						this.emit('change', this.snapshot());
					} catch (error) {
						this.fail(error, 're-pin failed');
						await tor.stop({timeoutMs: this.options.stopTimeoutMs});
					}
				}
			});
		}, healthIntervalMs);
		this.healthTimer.unref();
	}

	private onExit(reason: string): void {
		clearInterval(this.healthTimer);
		this.options.allocator.release(this.id);
		this.exitFingerprint = undefined;
		if (this.stopped) {
			return;
		}

		const wasUsable = this.state === 'ready' || this.state === 'rotating';
		this.lastError ??= reason;
		this.setState('down');
		this.emit('down', reason);
		if (wasUsable && this.startedAt !== undefined && Date.now() - this.startedAt > 60_000) {
			this.backoffMs = 500;
		}

		const delay = this.backoffMs;
		this.backoffMs = Math.min(this.backoffMs * 2, maxBackoffMs);
		this.emit('log', `${this.id}: ${reason}; restarting in ${delay} ms`);
		this.restartTimer = setTimeout(() => {
			this.restarts++;
			this.lastError = undefined;
			this.spawn().then(tor => this.becomeReady(tor, this.generation), async (error: unknown) => {
				this.fail(error, 'restart failed');
				if (isPortConflict(error)) {
					await this.moveToFreshPorts();
				}

				this.onExit(`restart failed: ${(error as Error).message.split('\n')[0]}`);
			});
		}, delay);
	}

	/** Another process took one of our ports while Tor was down: take new ones, if we may. */
	private async moveToFreshPorts(): Promise<void> {
		const {freshPorts} = this.options;
		if (!freshPorts || this.stopped) {
			return;
		}

		try {
			const previous = this.ports;
			this.ports = await freshPorts();
			this.emit('log', `${this.id}: a port of ${previous.socksPort}/${previous.httpTunnelPort}/${previous.controlPort} is taken; moving to ${this.ports.socksPort}/${this.ports.httpTunnelPort}/${this.ports.controlPort}`);
		} catch (error) {
			this.emit('log', `${this.id}: no free ports to move to: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	private fail(error: unknown, what: string): void {
		this.lastError = `${what}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
		this.emit('log', `${this.id}: ${this.lastError}`);
		this.emit('change', this.snapshot());
	}

	private setState(state: InstanceState): void {
		this.state = state;
		this.emit('change', this.snapshot());
	}

	private async serialize<T>(task: () => Promise<T>): Promise<T> {
		const run = this.queue.then(task, task);
		this.queue = run.catch(() => undefined);
		return run;
	}
}

/** Tor could not bind one of its listeners (Tor logs "Could not bind to ...: Address already in use"). */
function isPortConflict(error: unknown): boolean {
	return error instanceof TorStartError && error.logLines.some(line => /could not bind to .*address already in use/i.test(line));
}
