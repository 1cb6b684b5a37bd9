// Over 300 lines on purpose: the Bus is the one owner of both Redis connections, their subscriptions
// and the listener tables, and splitting it would hand that state to two classes. Decoding lives in
// decode-message.ts, connection set-up in redis-connection.ts, (re)subscribing with retries in
// subscription-keeper.ts, noticing a connection that carries nothing in connection-watch.ts.
import {EventEmitter} from 'node:events';
import type {Redis} from 'ioredis';
import {v4 as uuidv4} from 'uuid';
import type {z} from 'zod';
import {ClosedError} from '../errors/closed-error.js';
import {isStopped, type Status} from '../status.js';
import {RedisUnavailableError} from '../errors/redis-unavailable-error.js';
import {Channels} from './channels.js';
import {decodeMessage, type DecodeContext} from './decode-message.js';
import type {DropReason} from './drop-reason.js';
import {emptyBusStats, type BusStats} from './bus-stats.js';
import {defaultMaxMessageBytes, type EventSchemas, type Envelope, type BusMessage} from './envelope.js';
import {createRedisConnection, describeTarget, quit} from './redis-connection.js';
import type {BusOptions} from './bus-options.js';
import {SubscriptionKeeper} from './subscription-keeper.js';
import {watchConnections, type ConnectionWatches} from './connection-watch.js';

export {describeTarget, type RedisTarget} from './redis-connection.js';
export type {BusStats} from './bus-stats.js';
export type {BusOptions} from './bus-options.js';

export type BusStatus = Status;

export type BusEvents = {
	/** Both connections up and every subscription confirmed by Redis: messages can be sent and will be delivered. */
	online: [];
	/** A connection was lost; messages published meanwhile are lost. */
	offline: [];
	dropped: [reason: DropReason, detail: string];
	/** Connection trouble; ioredis keeps retrying. (Not 'error': nothing here may throw for want of a listener.) */
	warning: [error: Error];
};

type Listener<Data> = (message: BusMessage<Data>) => void;
type Out = Record<string, z.ZodType>;

/**
 * The message bus both roles share. Broadcasts go to a channel per event, so only the instances
 * that listen for an event receive it; directed messages go to the target's own channel, so their
 * cost does not grow with the number of instances on the bus.
 */
export class Bus<In extends EventSchemas, OutSchemas extends Out = Out> {
	readonly id: string;
	readonly namespace: string;
	readonly events = new EventEmitter<BusEvents>();
	readonly stats: BusStats;
	status: BusStatus = 'idle';
	private readonly channels: Channels;
	private readonly directChannel: string;
	private readonly decodeContext: DecodeContext;
	private readonly broadcastListeners = new Map<string, Set<Listener<unknown>>>();
	private readonly directListeners = new Map<string, Set<Listener<unknown>>>();
	/** Test hook: the share (0..1) of incoming messages dropped at the receiving side. */
	testDropRate: number;
	private readonly pub: Redis;
	private readonly sub: Redis;
	private readonly subscriptions: SubscriptionKeeper;
	private readonly watches: ConnectionWatches;
	private connecting: Promise<void> | undefined;
	private closing: Promise<void> | undefined;
	private lastConnectionError: Error | undefined;

	constructor(private readonly options: BusOptions<In>) {
		this.id = options.id ?? uuidv4();
		this.namespace = options.namespace ?? 'nightcrawler';
		this.channels = new Channels(this.namespace);
		this.directChannel = this.channels.direct(this.id);
		this.decodeContext = {
			id: this.id,
			channels: this.channels,
			directChannel: this.directChannel,
			inbound: options.inbound,
			maxMessageBytes: options.maxMessageBytes ?? defaultMaxMessageBytes,
		};
		this.testDropRate = options.testDropRate ?? 0;
		this.stats = emptyBusStats();
		const name = options.name ?? 'nightcrawler';
		this.pub = this.createConnection(`${name}-pub`);
		this.sub = this.createConnection(`${name}-sub`);
		this.sub.on('message', (channel: string, text: string) => {
			this.handle(channel, text);
		});
		this.subscriptions = new SubscriptionKeeper({
			sub: this.sub,
			channels: () => this.wantedChannels(),
			onSubscribed: () => {
				this.goOnline();
			},
			onFailure: error => {
				this.warn(error);
			},
		});
		this.sub.on('ready', () => {
			// The first subscription is connect()'s; after a reconnect, subscribe again (retried until confirmed).
			if (this.status === 'offline') {
				this.subscriptions.ensure();
			}
		});
		this.sub.on('close', () => {
			this.subscriptions.lost();
			this.goOffline();
		});
		this.watches = watchConnections({publisher: this.pub, subscriber: this.sub}, options.liveness, () => this.status === 'ready' || this.status === 'offline', error => {
			this.warn(error);
		});
		this.pub.on('ready', () => {
			this.goOnline();
		});
		this.pub.on('close', () => {
			this.goOffline();
		});
	}

	/** Both connections up and subscribed (status 'ready'). */
	get online(): boolean {
		return this.status === 'ready';
	}

	/**
	 * Connect both connections; resolves once this instance's subscriptions are confirmed. A second
	 * call waits for the first; after close() it fails with a ClosedError.
	 */
	async connect(): Promise<void> {
		if (this.connecting) {
			return this.connecting;
		}

		if (this.status !== 'idle') {
			throw new ClosedError(`the bus is ${this.status}`);
		}

		this.connecting = this.doConnect();
		return this.connecting;
	}

	private async doConnect(): Promise<void> {
		this.status = 'starting';
		try {
			await Promise.all([this.pub.connect(), this.sub.connect()]);
			// Subscribed means Redis confirmed it; a refusal (an ACL, say) fails the connect.
			await this.subscriptions.subscribeOnce();
			if (this.pub.status !== 'ready' || this.sub.status !== 'ready') {
				// Dropped while starting: ioredis does not retry then (retryStrategy), so this connect fails.
				throw new Error('Connection is closed.');
			}
		} catch (error) {
			this.subscriptions.stop();
			const closedMeanwhile = this.status !== 'starting';
			this.status = 'stopped';
			await Promise.all([quit(this.pub), quit(this.sub)]);
			if (closedMeanwhile) {
				throw new ClosedError('the bus was closed while connecting', {cause: error});
			}

			throw new RedisUnavailableError(describeTarget(this.options.redis), {cause: error instanceof Error && /closed/i.test(error.message) && this.lastConnectionError ? this.lastConnectionError : error});
		}

		this.status = 'ready';
		this.watches.start();
		this.events.emit('online');
	}

	/** Broadcast `event` to every instance listening for it. Resolves false when it could not be sent. */
	// emit, sendMessage and publish hand back ioredis's own promise, with no async wrapper: one promise per message, not three.
	emit<E extends keyof OutSchemas & string>(event: E, data?: z.input<OutSchemas[E]>): Promise<boolean> {
		return this.publish(this.channels.broadcast(event), {event, UUID: this.id, data});
	}

	/** Send `event` to one instance only. Resolves false when it could not be sent. */
	sendMessage<E extends keyof OutSchemas & string>(
		event: E,
		targetId: string,
		data?: z.input<OutSchemas[E]>,
	): Promise<boolean> {
		return this.publish(this.channels.direct(targetId), {event, UUID: this.id, to: targetId, data});
	}

	/** Receive broadcasts of `event`. Returns a function that removes the listener. */
	on<E extends keyof In & string>(event: E, listener: Listener<z.infer<In[E]>>): () => void {
		const set = this.broadcastListeners.get(event) ?? new Set();
		const isNew = set.size === 0;
		set.add(listener as Listener<unknown>);
		this.broadcastListeners.set(event, set);
		if (isNew && this.status !== 'idle') {
			// Subscribes every wanted channel, retried until confirmed; nothing while the connection is down.
			this.subscriptions.ensure();
		}

		return () => {
			set.delete(listener as Listener<unknown>);
			if (set.size === 0 && this.status === 'ready') {
				this.sub.unsubscribe(this.channels.broadcast(event)).catch(() => undefined);
			}
		};
	}

	/** Receive `event` messages addressed to this instance. Returns a function that removes the listener. */
	onMessage<E extends keyof In & string>(event: E, listener: Listener<z.infer<In[E]>>): () => void {
		const set = this.directListeners.get(event) ?? new Set();
		set.add(listener as Listener<unknown>);
		this.directListeners.set(event, set);
		return () => {
			set.delete(listener as Listener<unknown>);
		};
	}

	/** Like `on`, for one message. */
	once<E extends keyof In & string>(event: E, listener: Listener<z.infer<In[E]>>): () => void {
		const off = this.on(event, message => {
			off();
			listener(message);
		});
		return off;
	}

	/** Like `onMessage`, for one message. */
	onceMessage<E extends keyof In & string>(event: E, listener: Listener<z.infer<In[E]>>): () => void {
		const off = this.onMessage(event, message => {
			off();
			listener(message);
		});
		return off;
	}

	/** Close both connections. Safe to call twice: the second call awaits the first. */
	async close(): Promise<void> {
		this.closing ??= this.doClose();
		return this.closing;
	}

	private async doClose(): Promise<void> {
		this.status = 'stopping';
		this.subscriptions.stop();
		this.watches.stop();
		this.broadcastListeners.clear();
		this.directListeners.clear();
		await Promise.all([quit(this.pub), quit(this.sub)]);
		this.status = 'stopped';
		this.events.removeAllListeners();
	}

	private createConnection(connectionName: string): Redis {
		const connection = createRedisConnection(this.options.redis, connectionName, times => (this.status === 'ready' || this.status === 'offline' ? Math.min(times * 50, 500) : null), {retryUnanswered: false});
		connection.on('error', (error: Error) => {
			this.lastConnectionError = error;
			// Connection errors are reported and retried by ioredis; never let them go unhandled.
			this.warn(error);
		});
		return connection;
	}

	private warn(error: Error): void {
		if (!isStopped(this.status)) {
			this.events.emit('warning', error);
		}
	}

	/** 'ready' only with both connections up and the subscriptions confirmed on the current one. */
	private goOnline(): void {
		if (this.status === 'offline' && this.pub.status === 'ready' && this.sub.status === 'ready' && this.subscriptions.state === 'subscribed') {
			this.status = 'ready';
			this.events.emit('online');
		}
	}

	private goOffline(): void {
		if (this.status === 'ready') {
			this.status = 'offline';
			this.events.emit('offline');
		}
	}

	private wantedChannels(): string[] {
		const events = [...this.broadcastListeners.entries()].filter(([, set]) => set.size > 0).map(([event]) => event);
		return [this.directChannel, ...events.map(event => this.channels.broadcast(event))];
	}

	private publish(channel: string, envelope: Envelope): Promise<boolean> {
		if (isStopped(this.status)) {
			return Promise.resolve(false);
		}

		let text: string;
		try {
			text = JSON.stringify(envelope);
		} catch {
			this.stats.publishFailed++;
			return Promise.resolve(false);
		}

		return this.pub.publish(channel, text).then(() => {
			this.stats.published++;
			return true;
		}, () => {
			this.stats.publishFailed++;
			return false;
		});
	}

	private drop(reason: DropReason, detail: string): void {
		this.stats.dropped[reason]++;
		this.events.emit('dropped', reason, detail);
	}

	private handle(channel: string, text: string): void {
		this.stats.delivered++;
		if (this.testDropRate > 0 && Math.random() < this.testDropRate) {
			this.drop('test-drop', channel);
			return;
		}

		const decoded = decodeMessage(channel, text, this.decodeContext);
		if (!decoded.ok) {
			this.drop(decoded.reason, decoded.detail);
			return;
		}

		const {direct, message} = decoded;
		const listeners = (direct ? this.directListeners : this.broadcastListeners).get(message.event);
		if (!listeners || listeners.size === 0) {
			this.drop('no-listener', message.event);
			return;
		}

		this.stats.received++;
		for (const listener of [...listeners]) {
			try {
				listener(message);
			} catch (error) {
				this.drop('listener-error', `${message.event}: ${error instanceof Error ? error.message : String(error)}`);
			}
		}
	}
}
