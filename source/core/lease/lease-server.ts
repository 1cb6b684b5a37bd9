import type {EventEmitter} from 'node:events';
import type {InstanceSnapshot, PoolBackend} from '../../pool/pool-backend.js';
import type {Bus} from '../bus/bus.js';
import type {ProviderEvents} from '../provider-events.js';
import type {AccessGrant, AccessRefusal, AccessRequest} from '../../front/front-access.js';
import {ClientMessages} from './client-messages.js';
import {leaseAccess, type FrontAddress} from './lease-access.js';
import {LeaseBook} from './lease-book.js';
import {LeaseEndings} from './lease-endings.js';
import {LeaseViews} from './lease-info.js';
import {LeaseMessenger} from './lease-messenger.js';
import type {LeaseSnapshot} from './lease-records.js';
import {LeaseRotations} from './lease-rotations.js';
import type {ClientInbound, ProviderInbound} from './messages.js';
import {OfferDesk} from './offer-desk.js';
import {PoolWatch} from './pool-watch.js';
import {ProxySlots} from './proxy-slots.js';
import {SharedExitMender, defaultUnshareIntervalMs} from './shared-exit-mender.js';
import type {ProviderTimings} from './timings.js';

export type LeaseServerOptions = {
	bus: Bus<ProviderInbound, ClientInbound>;
	backend: PoolBackend;
	timings: ProviderTimings;
	events: EventEmitter<ProviderEvents>;
	/** Host clients should connect to, when not the address the front (or the proxies) listen on. */
	advertiseHost?: string;
	/** The provider's front, when it runs one: where clients connect, and how a lease's connections are closed. */
	front?: LeaseFront;
	/** How often free proxies that share their exit look for one nobody in the cluster holds (default 5 s). */
	unshareIntervalMs?: number;
};

/** What the lease server needs of the provider's front. */
export type LeaseFront = {
	/** Its address once it listens (undefined before). */
	address(): FrontAddress | undefined;
	/** Close every open connection of a lease that ended. */
	revoke(leaseId: string): void;
};

/** `offers` counts every offer made; `offersOpen` those not yet claimed, declined or expired. */
export type LeaseServerStats = {offers: number; offersOpen: number; leases: number; forged: number; dropLinks: number; waitingRefused: number; waiting: number};

/**
 * The provider's side of the lease protocol, put together: the proxies are the slots'
 * (`ProxySlots`), the leases the book's (`LeaseBook`), offers and the waiting list the offer desk's,
 * the answers to clients' messages `ClientMessages`', how leases end `LeaseEndings`', exit changes
 * the rotations', and the pool's news the pool watch's. This class starts and stops them and runs
 * the sweep.
 */
export class LeaseServer {
	private readonly slots = new ProxySlots();
	private readonly book: LeaseBook;
	private readonly desk: OfferDesk;
	private readonly pool: PoolWatch;
	private readonly rotations: LeaseRotations;
	private readonly endings: LeaseEndings;
	private readonly answers: ClientMessages;
	private readonly views: LeaseViews;
	private readonly mender: SharedExitMender;
	private readonly counters = {dropLinks: 0};
	/** Present while answering clients: what start() set up and stop() takes down. */
	private serving: {offs: Array<() => void>; sweepTimer: NodeJS.Timeout} | undefined;

	constructor(private readonly options: LeaseServerOptions) {
		const {backend, bus, timings, events, front, advertiseHost} = options;
		const {slots} = this;
		const book = new LeaseBook(timings.leaseTtlMs);
		const messenger = new LeaseMessenger(bus);
		const views = new LeaseViews(slots, timings, front, advertiseHost);
		const desk = new OfferDesk({bus, timings, events, slots});
		const rotations = new LeaseRotations({messenger, backend, events, slots, isHeld: lease => book.isHeld(lease), leaseInfo: lease => views.info(lease)});
		const endings = new LeaseEndings({bus, book, slots, messenger, rotations, events, views, front});
		this.pool = new PoolWatch({
			backend,
			events,
			slots,
			lost: proxyId => {
				const offer = desk.onProxy(proxyId);
				if (offer) {
					desk.withdraw(offer);
				}

				const lease = book.onProxy(proxyId);
				if (lease) {
					void endings.end(lease, 'proxy-down');
				}
			},
			changed: proxyId => {
				const lease = book.onProxy(proxyId);
				if (lease && !lease.rotation) {
					void messenger.update(lease, {leaseId: lease.leaseId, lease: views.info(lease)});
				}
			},
		});
		this.answers = new ClientMessages({bus, events, slots, book, desk, messenger, rotations, endings, views});
		this.book = book;
		this.desk = desk;
		this.rotations = rotations;
		this.endings = endings;
		this.views = views;
		this.mender = new SharedExitMender({backend, events, slots, intervalMs: options.unshareIntervalMs ?? defaultUnshareIntervalMs});
	}

	get stats(): LeaseServerStats {
		const dropLinks = this.counters.dropLinks + this.answers.counters.dropLinks;
		return {...this.book.counters, dropLinks, ...this.desk.counters, offersOpen: this.desk.openCount, waiting: this.desk.waitingCount};
	}

	/** Whether it answers clients (between start() and stop()). */
	get isServing(): boolean {
		return this.serving !== undefined;
	}

	/** Start answering clients. A second call does nothing. */
	start(): void {
		if (this.serving) {
			return;
		}

		const {bus, timings} = this.options;
		const onFree = () => {
			this.desk.serveWaiting();
		};

		const onOnline = () => {
			// While the bus was offline no heartbeat could be heard: that time does not count against the holders.
			this.book.heardAll(Date.now());
		};

		this.slots.events.on('free', onFree);
		bus.events.on('online', onOnline);
		const offs = [
			() => this.slots.events.off('free', onFree),
			() => bus.events.off('online', onOnline),
			...this.answers.listen(),
		];
		const sweepMs = Math.max(20, Math.min(250, Math.floor(timings.heartbeatTimeoutMs / 4)));
		const sweepTimer = setInterval(() => {
			this.sweep(Date.now());
		}, sweepMs);
		sweepTimer.unref();
		this.mender.start();
		this.serving = {offs, sweepTimer};
	}

	/** Stop answering, tell every holder its lease ends, and forget everything. */
	async stop(): Promise<void> {
		if (this.serving) {
			clearInterval(this.serving.sweepTimer);
			for (const off of this.serving.offs.splice(0)) {
				off();
			}

			this.serving = undefined;
		}

		this.pool.close();
		this.mender.stop();
		const [withdrawn] = await Promise.all([
			this.desk.close('provider-stopping'),
			...this.book.all().map(async lease => this.endings.end(lease, 'provider-stopping')),
		]);
		this.counters.dropLinks += withdrawn;
		this.book.clearEnded();
	}

	/** The front's question: relay a connection with these credentials, and where to? */
	access(request: AccessRequest): AccessGrant | AccessRefusal {
		return leaseAccess(this.book, this.slots, request);
	}

	/** Take the ready proxies of a pool started before its provider; see PoolWatch.adopt. */
	adopt(instances: readonly InstanceSnapshot[]): void {
		this.pool.adopt(instances);
	}

	leaseSnapshots(): LeaseSnapshot[] {
		return this.book.all().map(lease => this.views.snapshot(lease));
	}

	/** Rotate one proxy by hand (from the provider's UI); see LeaseRotations.rotateProxy. */
	async rotateProxy(proxyId: string): Promise<void> {
		// Out of the offer pool while it moves off a shared exit: rotated once that is done.
		await this.mender.settled(proxyId);
		if (this.slots.has(proxyId)) {
			await this.rotations.rotateProxy(proxyId, this.book.onProxy(proxyId));
		}
	}

	private sweep(now: number): void {
		const {bus, timings} = this.options;
		this.desk.expire(now);
		// While the bus is offline no heartbeat can be heard: only TTLs end leases then (docs/protocol.md §2.4).
		this.endings.endDue(now, bus.online ? timings.heartbeatTimeoutMs : undefined);
	}
}
