import type {EventEmitter} from 'node:events';
import type {InstanceSnapshot, PoolBackend, ProxyEndpoint} from '../../pool/pool-backend.js';
import type {ProviderEvents} from '../provider-events.js';
import type {ProxySlots} from './proxy-slots.js';

/** What the pool watch needs of the lease server. */
export type PoolWatchHost = {
	backend: PoolBackend;
	events: EventEmitter<ProviderEvents>;
	/** The provider's proxies: the watch adds them, marks them down, and frees them when ready again. */
	slots: ProxySlots;
	/** A proxy went down (its slot says so already): withdraw its offer and end its lease, if it has either. */
	lost(proxyId: string): void;
	/** A proxy changed in place (its slot has the new endpoint): tell its holder, if it is leased. */
	changed(proxyId: string): void;
};

/**
 * Follows the pool: proxies that become ready (first start, back after a restart, or ready only
 * now in a pool started before its provider), go down, or change in place.
 */
export class PoolWatch {
	private readonly offs: Array<() => void> = [];

	constructor(private readonly host: PoolWatchHost) {
		const {events} = host.backend;
		const on = <E extends 'proxy-ready' | 'proxy-down' | 'proxy-update' | 'instance-change'>(event: E, listener: (...args: never[]) => void) => {
			events.on(event, listener as never);
			this.offs.push(() => events.off(event, listener as never));
		};

		on('proxy-ready', (endpoint: ProxyEndpoint) => {
			this.ready(endpoint);
		});
		on('proxy-down', (id: string, reason: string) => {
			this.down(id, reason);
		});
		on('proxy-update', (endpoint: ProxyEndpoint) => {
			this.update(endpoint);
		});
		on('instance-change', (snapshot: InstanceSnapshot) => {
			// An instance of a pool started before this provider, ready only now (it was rotating, say).
			if (snapshot.state === 'ready' && !host.slots.has(snapshot.id)) {
				this.ready(endpointOf(snapshot));
			}
		});
	}

	/**
	 * Take the ready proxies of a pool started before the provider listened (their 'proxy-ready'
	 * went to nobody). Instances of it that become ready later are taken as their state changes.
	 */
	adopt(instances: readonly InstanceSnapshot[]): void {
		for (const instance of instances) {
			if (instance.state === 'ready' && !this.host.slots.has(instance.id)) {
				this.ready(endpointOf(instance));
			}
		}
	}

	/** Stop following the pool. */
	close(): void {
		for (const off of this.offs.splice(0)) {
			off();
		}
	}

	private ready(endpoint: ProxyEndpoint): void {
		const {slots, events} = this.host;
		const state = slots.get(endpoint.id)?.state;
		if (state === 'leased' || state === 'offered') {
			this.update(endpoint);
			return;
		}

		if (state === 'free') {
			// Known to be ready already (its state change came first): nothing new to tell.
			slots.setEndpoint(endpoint);
			return;
		}

		// New, or back from down or recycling: free, and so offered to the waiting list at once.
		events.emit('instance-ready', endpoint);
		if (state === undefined) {
			slots.add(endpoint);
		} else {
			slots.setEndpoint(endpoint);
			slots.move(endpoint.id, 'free');
		}
	}

	private down(id: string, reason: string): void {
		const {slots} = this.host;
		const state = slots.get(id)?.state;
		if (state === undefined) {
			return;
		}

		if (state !== 'down') {
			slots.move(id, 'down');
		}

		this.host.lost(id);
		this.host.events.emit('instance-down', id, reason);
	}

	private update(endpoint: ProxyEndpoint): void {
		if (this.host.slots.has(endpoint.id)) {
			this.host.slots.setEndpoint(endpoint);
			this.host.changed(endpoint.id);
		}
	}
}

function endpointOf({id, host, port, httpPort, exitIp}: InstanceSnapshot): ProxyEndpoint {
	return {id, host, port, httpPort, exitIp};
}
