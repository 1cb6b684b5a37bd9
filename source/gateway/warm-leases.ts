import type {Client} from '../core/client.js';
import type {ClientProxy} from '../core/client-proxy.js';
import {LeaseTimeoutError} from '../core/errors/lease-timeout-error.js';

/** Where sessions get their leases: one exclusive, verified proxy per call. */
export type LeaseSource = {
	take(timeoutMs: number): Promise<ClientProxy>;
	/** Leases held ready for new sessions. */
	readonly ready: number;
};

/**
 * Leases from the cluster through one `Client`, keeping `warm` of them ready so a new session does
 * not wait. A ready lease that ends by itself is replaced.
 */
export class WarmLeases implements LeaseSource {
	private readonly spare: ClientProxy[] = [];
	private filling = 0;
	private state: 'ready' | 'stopped' = 'ready';

	constructor(private readonly client: Client, private readonly warm: number) {}

	get ready(): number {
		return this.spare.length;
	}

	/** Start keeping `warm` leases ready. */
	start(): void {
		this.refill();
	}

	async take(timeoutMs: number): Promise<ClientProxy> {
		for (let proxy = this.spare.shift(); proxy; proxy = this.spare.shift()) {
			proxy.removeAllListeners('end');
			if (proxy.state === 'active') {
				this.refill();
				return proxy;
			}
		}

		this.refill();
		return this.client.getProxy({timeoutMs});
	}

	/** Stop refilling and give the ready leases back. */
	async stop(): Promise<void> {
		this.state = 'stopped';
		await Promise.all(this.spare.splice(0).map(async proxy => proxy.destroy().catch(() => undefined)));
	}

	private refill(): void {
		while (this.state === 'ready' && this.spare.length + this.filling < this.warm) {
			this.filling++;
			void this.fillOne().finally(() => {
				this.filling--;
			});
		}
	}

	private async fillOne(): Promise<void> {
		while (this.state === 'ready') {
			try {
				// eslint-disable-next-line no-await-in-loop
				const proxy = await this.client.getProxy({timeoutMs: 60_000});
				if (this.state !== 'ready') {
					await proxy.destroy().catch(() => undefined);
					return;
				}

				proxy.once('end', () => {
					const index = this.spare.indexOf(proxy);
					if (index !== -1) {
						this.spare.splice(index, 1);
						this.refill();
					}
				});
				this.spare.push(proxy);
				return;
			} catch (error) {
				if (!(error instanceof LeaseTimeoutError)) {
					return;
				}
			}
		}
	}
}
