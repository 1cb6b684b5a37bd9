import {EventEmitter} from 'node:events';
import type {Status} from '../core/status.js';
import {UnknownInstanceError} from './errors/unknown-instance-error.js';
import type {InstanceSnapshot, PoolBackend, PoolEvents, ProxyEndpoint} from './pool-backend.js';

export type MemoryBackendOptions = {
	/** Number of proxies. */
	count?: number;
	host?: string;
	/** First (fake) port; proxies get consecutive ports. Nothing listens on them. The exits differ per base port too. */
	basePort?: number;
	/** Simulated rotation time. */
	rotateDelayMs?: number;
	/** How many of the proxies (the first ones) report an exit shared with another proxy of the cluster. */
	sharedExits?: number;
};

const defaultBasePort = 20_000;
/** 203.0.113.0 (TEST-NET-3) as a number. */
const firstExitAddress = ((203 * 256 * 256) + 113) * 256;

type Entry = {endpoint: ProxyEndpoint; snapshot: InstanceSnapshot};

/**
 * A pool of pretend proxies that lives in memory: instant to start, rotations give a new
 * documentation-range exit address. For tests and benchmarks of the lease protocol; nothing
 * listens on its ports and it sends no traffic anywhere.
 */
export class MemoryBackend implements PoolBackend {
	readonly events = new EventEmitter<PoolEvents>();
	private readonly entries = new Map<string, Entry>();
	private nextExit = 1;
	private status: Status = 'idle';

	constructor(private readonly options: MemoryBackendOptions = {}) {}

	/** Idempotent: a second call changes nothing. */
	async start(): Promise<void> {
		if (this.status !== 'idle') {
			return;
		}

		this.status = 'ready';
		const count = this.options.count ?? 3;
		const host = this.options.host ?? '127.0.0.1';
		const basePort = this.options.basePort ?? defaultBasePort;
		for (let index = 0; index < count; index++) {
			const endpoint: ProxyEndpoint = {id: `mem-${index}`, host, port: basePort + (index * 2), httpPort: basePort + (index * 2) + 1, exitIp: this.newExitIp(), ...(index < (this.options.sharedExits ?? 0) ? {sharedExit: true} : {})};
			this.entries.set(endpoint.id, {endpoint, snapshot: {...endpoint, state: 'ready', startedAt: Date.now(), rotations: 0, restarts: 0}});
		}

		for (const {endpoint, snapshot} of this.entries.values()) {
			this.events.emit('instance-change', snapshot);
			this.events.emit('proxy-ready', endpoint);
		}
	}

	async stop(): Promise<void> {
		this.status = 'stopped';
	}

	async rotate(id: string): Promise<ProxyEndpoint> {
		const entry = this.get(id);
		this.setState(entry, 'rotating');
		if (this.options.rotateDelayMs) {
			await new Promise(resolve => {
				setTimeout(resolve, this.options.rotateDelayMs);
			});
		}

		entry.endpoint = {...entry.endpoint, exitIp: this.newExitIp()};
		entry.snapshot = {...entry.snapshot, ...entry.endpoint, rotations: entry.snapshot.rotations + 1};
		this.setState(entry, 'ready');
		return entry.endpoint;
	}

	async restart(id: string): Promise<void> {
		const entry = this.get(id);
		this.kill(id);
		entry.endpoint = {...entry.endpoint, exitIp: this.newExitIp()};
		entry.snapshot = {...entry.snapshot, ...entry.endpoint, restarts: entry.snapshot.restarts + 1};
		this.setState(entry, 'ready');
		this.events.emit('proxy-ready', entry.endpoint);
	}

	/** Simulate an instance dying: it stays down until `restart`. */
	kill(id: string): void {
		const entry = this.get(id);
		this.setState(entry, 'down');
		this.events.emit('proxy-down', id, 'killed');
	}

	snapshot(): InstanceSnapshot[] {
		return [...this.entries.values()].map(entry => entry.snapshot);
	}

	private get(id: string): Entry {
		const entry = this.entries.get(id);
		if (!entry || this.status === 'stopped') {
			throw new UnknownInstanceError(`no proxy ${id}`, id);
		}

		return entry;
	}

	private setState(entry: Entry, state: InstanceSnapshot['state']): void {
		entry.snapshot = {...entry.snapshot, state};
		this.events.emit('instance-change', entry.snapshot);
	}

	/**
	 * The next pretend exit: 203.0.113.1, .2, ... (TEST-NET-3) on the default base port; on another
	 * base port, shifted by 256 addresses per port away from it (leaving TEST-NET-3: nothing is ever
	 * sent to them), so backends on port ranges a few proxies apart (two providers on one bus) do not
	 * hand out the same exit until they have rotated hundreds of times.
	 */
	private newExitIp(): string {
		const n = this.nextExit++;
		const portShift = ((this.options.basePort ?? defaultBasePort) - defaultBasePort) * 256;
		const address = firstExitAddress + portShift + (Math.floor(n / 250) * 256) + (n % 250) + 1;
		return [24, 16, 8, 0].map(shift => (address >>> shift) & 255).join('.');
	}
}
