// A little over 300 lines: the pool's one owner of its instances, their ports and the exit registry's
// renewals; per-instance work lives in tor-instance.ts, exit choice in exit-pinning.ts.
import {EventEmitter} from 'node:events';
import {access, readFile} from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import type {InstanceSnapshot, PoolBackend, PoolEvents, ProxyEndpoint} from '../pool/pool-backend.js';
import {freePorts, isPortFree} from '../util/free-port.js';
import {holdPorts, type HeldPorts} from '../util/held-ports.js';
import {defaultCacheDirectory, lockDataDirectory, networkKey, type LockedDirectory} from './data-directory.js';
import {ClosedError} from '../core/errors/closed-error.js';
import {UnknownInstanceError} from '../pool/errors/unknown-instance-error.js';
import {PoolNotReadyError} from './errors/pool-not-ready-error.js';
import {PortInUseError} from './errors/port-in-use-error.js';
import {TorNotFoundError} from './errors/tor-not-found-error.js';
import {TorrcFileError} from './errors/torrc-file-error.js';
import {ExitAllocator} from './exit-allocator.js';
import type {AvoidedExit, ExitFailure, ExitRegistry} from './exit-registry.js';
import {TorInstance, type InstancePorts} from './tor-instance.js';

/**
 * Ours, before the user's: conflux (linked circuit pairs, on by default since 0.4.8) gives a
 * scraper nothing and builds circuits ahead whose exits ignore a fresh pin.
 */
const instanceTorrcLines = ['ConfluxEnabled 0'];

/** The only address a Tor instance's ports bind to. */
export const torHost = '127.0.0.1';

export const defaultCheckUrl = 'https://check.torproject.org/api/ip';

export type TorBackendOptions = {
	/** Number of Tor instances. */
	count?: number;
	torPath?: string;
	/** A file of torrc lines appended to every instance's torrc (for example a private network's). */
	torrcFile?: string;
	/** Extra torrc lines, after the file's. */
	torrcLines?: string[];
	/** IP-check URL: answers `{"IsTor":true,"IP":"..."}` or a plain-text IP. */
	checkUrl?: string;
	/** First port: instance k uses base+3k (SOCKS), base+3k+1 (HTTP CONNECT), base+3k+2 (control). Free ports when omitted. */
	basePort?: number;
	/** Where data directories are kept between runs. */
	cacheDirectory?: string;
	/** Start from empty data directories. */
	fresh?: boolean;
	bootstrapTimeoutMs?: number;
	checkTimeoutMs?: number;
	/** How often a ready instance checks that Tor answers and its exit works; default 60 s, 0 never. */
	healthIntervalMs?: number;
	/**
	 * How long Tor has to answer a health check before it is deemed hung, killed and restarted;
	 * default 10 s, whatever the interval (a short interval must not kill a healthy Tor under load).
	 */
	healthTimeoutMs?: number;
	stopTimeoutMs?: number;
	/**
	 * The cluster's exits: each instance claims its exit there before pinning it (released on
	 * rotation and stop, renewed while held) and skips exits the cluster avoids. A Provider hands
	 * its own in (useExitRegistry) when none is given.
	 */
	exitRegistry?: ExitRegistry;
};

/** A pool of real Tor processes, each a proxy with a pinned and verified exit. */
export class TorBackend implements PoolBackend {
	readonly events = new EventEmitter<PoolEvents>();
	private readonly instances = new Map<string, TorInstance>();
	private readonly locks: LockedDirectory[] = [];
	private readonly allocator = new ExitAllocator();
	private starting: Promise<void> | undefined;
	private stopping: Promise<void> | undefined;
	private heldPorts: HeldPorts | undefined;
	private registry: ExitRegistry | undefined;
	private renewTimer: NodeJS.Timeout | undefined;

	constructor(private readonly options: TorBackendOptions = {}) {
		this.registry = options.exitRegistry;
	}

	/** Take the cluster's exit registry: before start() (instances created earlier keep none); one given in the options wins. */
	useExitRegistry(registry: ExitRegistry): void {
		this.registry ??= registry;
	}

	/** Record that traffic through the instance's current exit failed: the cluster avoids that exit. */
	async reportFailure(id: string, failure: ExitFailure): Promise<AvoidedExit | undefined> {
		const fingerprint = this.get(id).exitRelay;
		if (!fingerprint || !this.registry) {
			return undefined;
		}

		const avoided = await this.registry.report(fingerprint, failure);
		this.events.emit('log', `${id}: exit ${fingerprint.slice(0, 8)} reported ${failure.kind}${failure.domain ? ` for ${failure.domain}` : ''}; avoided by the cluster until ${new Date(avoided.untilMs).toISOString()}`);
		return avoided;
	}

	/** The exits the cluster avoids now (none without a registry). */
	async avoidedExits(): Promise<AvoidedExit[]> {
		return this.registry ? this.registry.avoided() : [];
	}

	/** Fail early, with the install hint, when the tor binary is missing. */
	static async assertTorAvailable(torPath = 'tor'): Promise<void> {
		const result = await execa(torPath, ['--version'], {reject: false, timeout: 10_000});
		if (result.failed && (result.code === 'ENOENT' || result.exitCode === undefined)) {
			throw new TorNotFoundError(torPath);
		}
	}

	/**
	 * Start every instance. Idempotent: a second call waits for the first (it must not spawn a
	 * second set of Tor processes, which stop() would then not know about).
	 */
	async start(): Promise<void> {
		if (this.stopping) {
			throw new ClosedError('the Tor pool was stopped');
		}

		this.starting ??= (async () => {
			try {
				await this.startInstances();
			} catch (error) {
				// Whatever was started or locked before the failure (or before a stop() meanwhile) goes.
				await this.stop();
				throw error;
			}
		})();
		return this.starting;
	}

	private async startInstances(): Promise<void> {
		const {count = 3, torPath, checkUrl = defaultCheckUrl} = this.options;
		// Tor listens on loopback only, whatever the provider's --host: its SOCKS port lets anyone in
		// and its control port must never leave the machine. Other hosts go through the provider's front.
		const host = torHost;
		await TorBackend.assertTorAvailable(torPath);
		const torrcLines = [...instanceTorrcLines, ...(await this.readTorrcFile()), ...(this.options.torrcLines ?? [])];
		const ports = await this.pickPorts(count, host);
		this.heldPorts = ports.held;
		const root = path.join(this.options.cacheDirectory ?? defaultCacheDirectory(), networkKey(torrcLines));
		for (let index = 0; index < count; index++) {
			this.throwIfStopping();
			// eslint-disable-next-line no-await-in-loop
			const lock = await lockDataDirectory(root, {fresh: this.options.fresh});
			if (this.stopping) {
				// eslint-disable-next-line no-await-in-loop
				await lock.release();
				this.throwIfStopping();
			}

			this.locks.push(lock);
			const [socksPort, httpTunnelPort, controlPort] = ports.ports.slice(index * 3, (index * 3) + 3) as [number, number, number];
			const instance = new TorInstance({
				id: `tor-${index}`,
				torPath,
				host,
				socksPort,
				httpTunnelPort,
				controlPort,
				dataDirectory: lock.path,
				torrcLines,
				checkUrl,
				allocator: this.allocator,
				registry: this.registry,
				bootstrapTimeoutMs: this.options.bootstrapTimeoutMs ?? 180_000,
				checkTimeoutMs: this.options.checkTimeoutMs ?? 30_000,
				healthIntervalMs: this.options.healthIntervalMs ?? 60_000,
				healthTimeoutMs: this.options.healthTimeoutMs ?? 10_000,
				stopTimeoutMs: this.options.stopTimeoutMs ?? 5000,
				// Ports the user chose (--base-port) stay; picked ones may move if taken while Tor is down.
				...(this.options.basePort === undefined ? {freshPorts: async () => freshInstancePorts(host)} : {}),
			});
			this.instances.set(instance.id, instance);
			instance.on('change', snapshot => this.events.emit('instance-change', snapshot));
			instance.on('ready', endpoint => this.events.emit('proxy-ready', endpoint));
			instance.on('down', reason => this.events.emit('proxy-down', instance.id, reason));
			instance.on('update', endpoint => this.events.emit('proxy-update', endpoint));
			instance.on('log', message => this.events.emit('log', message));
		}

		this.throwIfStopping();
		// Held until now, so nothing else could take them; Tor binds them a moment later.
		await this.heldPorts?.release();
		this.scheduleRenewals();
		// All at once, not one by one.
		await Promise.all([...this.instances.values()].map(async instance => instance.start()));
	}

	/** Renew every claim this pool holds; a claim another holder took meanwhile makes that proxy one that shares its exit. */
	private scheduleRenewals(): void {
		const {registry} = this;
		if (!registry) {
			return;
		}

		this.renewTimer = setInterval(() => {
			for (const [id, assignment] of this.allocator.entries()) {
				if (assignment.shared) {
					continue;
				}

				registry.renew(assignment.fingerprint, id).then(held => {
					// Still the same exit (not rotated away meanwhile), and lost to someone else.
					if (!held && this.allocator.current(id)?.fingerprint === assignment.fingerprint) {
						this.allocator.markShared(id);
						const instance = this.instances.get(id);
						this.events.emit('log', `${id}: another provider holds exit ${assignment.fingerprint.slice(0, 8)} now; it is shared`);
						if (instance) {
							this.events.emit('proxy-update', instance.endpoint);
						}
					}
				}, (error: unknown) => {
					this.events.emit('log', `${id}: could not renew the claim on exit ${assignment.fingerprint.slice(0, 8)}: ${error instanceof Error ? error.message : String(error)}`);
				});
			}
		}, registry.renewIntervalMs);
		this.renewTimer.unref();
	}

	private throwIfStopping(): void {
		if (this.stopping) {
			throw new ClosedError('the Tor pool was stopped while starting');
		}
	}

	/** Resolves once `count` instances (default all) are ready; rejects after `timeoutMs`. */
	async whenReady({count = this.instances.size, timeoutMs = 300_000}: {count?: number; timeoutMs?: number} = {}): Promise<void> {
		const ready = () => this.snapshot().filter(snapshot => snapshot.state === 'ready').length >= count;
		if (ready()) {
			return;
		}

		await new Promise<void>((resolve, reject) => {
			const onChange = () => {
				if (ready()) {
					finish();
					resolve();
				}
			};

			const timer = setTimeout(() => {
				finish();
				reject(new PoolNotReadyError(count, timeoutMs));
			}, timeoutMs);
			const finish = () => {
				clearTimeout(timer);
				this.events.off('instance-change', onChange);
			};

			this.events.on('instance-change', onChange);
		});
	}

	async rotate(id: string): Promise<ProxyEndpoint> {
		return this.get(id).rotate();
	}

	async unshare(id: string): Promise<ProxyEndpoint> {
		return this.get(id).unshare();
	}

	async restart(id: string): Promise<void> {
		await this.get(id).restart();
	}

	snapshot(): InstanceSnapshot[] {
		return [...this.instances.values()].map(instance => instance.snapshot());
	}

	/** Stop every Tor (SIGTERM, then SIGKILL after a timeout) and unlock the data directories. Idempotent. */
	async stop(): Promise<void> {
		this.stopping ??= (async () => {
			clearInterval(this.renewTimer);
			await this.heldPorts?.release();
			await Promise.all([...this.instances.values()].map(async instance => instance.stop()));
			await Promise.all(this.locks.map(async lock => lock.release()));
		})();
		return this.stopping;
	}

	private get(id: string): TorInstance {
		const instance = this.instances.get(id);
		if (!instance) {
			throw new UnknownInstanceError(`no Tor instance ${id}`, id);
		}

		return instance;
	}

	private async readTorrcFile(): Promise<string[]> {
		const file = this.options.torrcFile;
		if (!file) {
			return [];
		}

		await access(file).catch((error: unknown) => {
			throw new TorrcFileError(file, {cause: error});
		});
		return (await readFile(file, 'utf8')).split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('#'));
	}

	private async pickPorts(count: number, host: string): Promise<{ports: number[]; held?: HeldPorts}> {
		const {basePort} = this.options;
		if (basePort === undefined) {
			const held = await holdPorts(count * 3, host);
			return {ports: held.ports, held};
		}

		const ports = Array.from({length: count * 3}, (_, index) => basePort + index);
		for (const port of ports) {
			// eslint-disable-next-line no-await-in-loop
			if (!(await isPortFree(port, host))) {
				throw new PortInUseError(port, host);
			}
		}

		return {ports};
	}
}

/** Three free ports for one instance's next start. */
async function freshInstancePorts(host: string): Promise<InstancePorts> {
	const [socksPort, httpTunnelPort, controlPort] = (await freePorts(3, host)) as [number, number, number];
	return {socksPort, httpTunnelPort, controlPort};
}
