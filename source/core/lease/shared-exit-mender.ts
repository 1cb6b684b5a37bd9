import type {EventEmitter} from 'node:events';
import type {PoolBackend} from '../../pool/pool-backend.js';
import type {ProviderEvents} from '../provider-events.js';
import type {ProxySlots} from './proxy-slots.js';

export type SharedExitMenderOptions = {
	backend: PoolBackend;
	events: EventEmitter<ProviderEvents>;
	slots: ProxySlots;
	/** How often free proxies that share their exit look for one nobody holds. */
	intervalMs: number;
};

/** How often, by default: a claim comes free when a provider rotates, stops or dies (its claims expire in 30 s). */
export const defaultUnshareIntervalMs = 5000;

/**
 * Moves free proxies that share their exit onto exits nobody in the cluster holds, as those come
 * free: an instance that had to share (every exit was claimed when it pinned, or an exit's check
 * timed out while a pool started) would otherwise keep sharing until someone rotated it. Only free
 * proxies, one at a time, each out of the offer pool (`recycling`) while it may re-pin; a leased
 * proxy keeps its exit (its holder chose it; rotating is the holder's call).
 */
export class SharedExitMender {
	private timer: NodeJS.Timeout | undefined;
	private running: Promise<void> | undefined;
	/** The proxy being moved now, and when that ends. */
	private moving: {proxyId: string; done: Promise<void>} | undefined;

	constructor(private readonly options: SharedExitMenderOptions) {}

	start(): void {
		if (this.timer || !this.options.backend.unshare || this.options.intervalMs <= 0) {
			return;
		}

		this.timer = setInterval(() => {
			this.running ??= this.mendAll().finally(() => {
				this.running = undefined;
			});
		}, this.options.intervalMs);
		this.timer.unref();
	}

	/** Stop looking. A move under way is not waited for: the pool is stopped next, which ends it. */
	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	private async mendAll(): Promise<void> {
		const shared = this.options.slots.all().filter(slot => slot.state === 'free' && slot.endpoint.sharedExit);
		for (const {endpoint} of shared) {
			if (!this.timer) {
				return;
			}

			const moving = {proxyId: endpoint.id, done: this.mend(endpoint.id)};
			this.moving = moving;
			// eslint-disable-next-line no-await-in-loop
			await moving.done;
			this.moving = undefined;
		}
	}

	/** Resolves once the proxy is not being moved (at once when it is not): a rotation by hand waits for it. */
	async settled(proxyId: string): Promise<void> {
		if (this.moving?.proxyId === proxyId) {
			await this.moving.done;
		}
	}

	private async mend(proxyId: string): Promise<void> {
		const {backend, events, slots} = this.options;
		const slot = slots.get(proxyId);
		if (!backend.unshare || slot?.state !== 'free' || !slot.endpoint.sharedExit) {
			return;
		}

		const previousExitIp = slot.endpoint.exitIp;
		const started = Date.now();
		slots.move(proxyId, 'recycling');
		try {
			const endpoint = await backend.unshare(proxyId);
			slots.setEndpoint(endpoint);
			if (!endpoint.sharedExit && this.timer) {
				events.emit('rotated', {proxyId, previousExitIp, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'unshare'});
			}
		} catch (error) {
			// Its pin is unknown now and its Tor is being restarted: out of the offer pool until the pool
			// reports it ready again (the pool watch frees it then), never offered half-moved.
			if (slots.get(proxyId)?.state === 'recycling') {
				slots.move(proxyId, 'down');
			}

			// Not news once stopped: stopping the pool is what ended it.
			if (this.timer) {
				events.emit('rotate-failed', proxyId, error instanceof Error ? error : new Error(String(error)));
			}
		}

		// Down meanwhile (its pool watch moved it): it comes back free when it is ready again.
		if (slots.get(proxyId)?.state === 'recycling') {
			slots.move(proxyId, 'free');
		}
	}
}
