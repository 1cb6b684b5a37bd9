import {EventEmitter} from 'node:events';
import type net from 'node:net';
import {type Status, isStopped} from '../../core/status.js';
import {type TorControlEvent, parseAsyncEvent} from './async-event.js';
import {type AuthenticateOptions, authenticateControl} from './authenticate.js';
import {type BootstrapPhase, parseBootstrapPhase} from './bootstrap-phase.js';
import {type Circuit, parseCircuitStatus} from './circuit-status.js';
import {checkKeys, formatConfPairs, readConfValues, readInfoValues} from './command-values.js';
import {connectSocket} from './connect-socket.js';
import {type ControlReply, controlReplySchema, isAsyncReply, isSuccessReply} from './control-reply.js';
import {TorControlClosedError} from './errors/tor-control-closed-error.js';
import {TorControlError} from './errors/tor-control-error.js';
import {TorControlProtocolError} from './errors/tor-control-protocol-error.js';
import {PendingCommands} from './pending-commands.js';
import {redactControlLine} from './redact.js';
import {ReplyParser} from './reply-parser.js';
import {type RouterStatus, parseRouterStatus, selectExitRelays} from './router-status.js';

export interface TorControlOptions {
	host: string;
	port: number;
	/** Default 5000. */
	connectTimeoutMs?: number;
	/** Default for every command; default 10000. */
	commandTimeoutMs?: number;
	/** Source of the SAFECOOKIE client nonce; tests inject one to replay a recorded exchange. */
	randomBytes?: (size: number) => Buffer;
}

export interface TorControlEvents {
	/** An asynchronous event (after `setEvents`). */
	event: [TorControlEvent];
	/** The socket closed, by either side; `error` is the socket error that closed it, if any. */
	close: [error: Error | undefined];
}

/**
 * The shared lifecycle words: `starting` while connecting, `ready` once connected, `stopping` while
 * closing, `stopped` once closed (by either side). A closed connection is never reopened.
 */
export type TorControlStatus = Exclude<Status, 'offline'>;

const unknownCircuitCode = 552;

/** A client for one Tor control-port connection (control-spec v1). */
export class TorControl extends EventEmitter<TorControlEvents> {
	status: TorControlStatus = 'idle';
	/** Malformed lines and replies nobody waited for: dropped and counted, never thrown. */
	droppedReplies = 0;

	readonly #options: Required<Omit<TorControlOptions, 'randomBytes'>> & Pick<TorControlOptions, 'randomBytes'>;
	readonly #pending = new PendingCommands();
	readonly #parser = new ReplyParser();
	#socket: net.Socket | undefined;
	#socketClosed: Promise<void> | undefined;
	#socketError: Error | undefined;
	#connecting: Promise<void> | undefined;
	#connectAbort: AbortController | undefined;
	#closing: Promise<void> | undefined;

	constructor(options: TorControlOptions) {
		super();
		this.#options = {connectTimeoutMs: 5000, commandTimeoutMs: 10_000, ...options};
	}

	/** Open the TCP connection. After a failure the instance stays usable, so callers may retry. */
	async connect(): Promise<void> {
		if (this.status === 'ready') {
			return;
		}

		if (isStopped(this.status)) {
			throw new TorControlClosedError('cannot connect: the control connection was closed');
		}

		this.#connecting ??= this.#openSocket().finally(() => {
			this.#connecting = undefined;
		});
		return this.#connecting;
	}

	/** Send one command line; resolves with a 2xx reply, rejects with TorControlError on 4xx/5xx. */
	async command(line: string, options: {timeoutMs?: number} = {}): Promise<ControlReply> {
		if (/[\r\n]/.test(line)) {
			throw new TypeError('a control command must be a single line');
		}

		const socket = this.#socket;
		if (this.status !== 'ready' || !socket) {
			throw new TorControlClosedError(`cannot send "${redactControlLine(line)}": the control connection is ${this.status}`);
		}

		const shown = redactControlLine(line);
		const replied = this.#pending.add(shown, options.timeoutMs ?? this.#options.commandTimeoutMs);
		socket.write(`${line}\r\n`);
		const reply = await replied;
		if (!isSuccessReply(reply)) {
			const message = reply.lines.map(replyLine => redactControlLine(replyLine.text)).join('; ');
			throw new TorControlError(reply.status, message, shown);
		}

		return reply;
	}

	async authenticate(options: AuthenticateOptions = {}): Promise<void> {
		await authenticateControl(options, {
			send: async line => this.command(line),
			...(this.#options.randomBytes ? {randomBytes: this.#options.randomBytes} : {}),
		});
	}

	/** `GETINFO`; values sent in the `250+key=` data form come back whole. */
	async getInfo(keys: string[]): Promise<Record<string, string>> {
		return readInfoValues(await this.command(`GETINFO ${checkKeys(keys).join(' ')}`));
	}

	/** `GETCONF`; each key maps to its values (several for line-list options, none when unset). */
	async getConf(keys: string[]): Promise<Record<string, string[]>> {
		return readConfValues(await this.command(`GETCONF ${checkKeys(keys).join(' ')}`));
	}

	/** `SETCONF` with quoted values; an array sets a line-list option to those lines. All or nothing. */
	async setConf(values: Record<string, string | number | string[]>): Promise<void> {
		await this.command(`SETCONF ${formatConfPairs(values).join(' ')}`);
	}

	/** `RESETCONF`: back to the defaults. */
	async resetConf(keys: string[]): Promise<void> {
		await this.command(`RESETCONF ${checkKeys(keys).join(' ')}`);
	}

	/** `SIGNAL NEWNYM`, `SIGNAL SHUTDOWN`, ... */
	async signal(name: string): Promise<void> {
		if (!/^[A-Z\d]+$/i.test(name)) {
			throw new TypeError(`not a signal name: ${name}`);
		}

		await this.command(`SIGNAL ${name}`);
	}

	/** Tor exits when this connection closes (control-spec 3.23). */
	async takeOwnership(): Promise<void> {
		await this.command('TAKEOWNERSHIP');
	}

	/** Subscribe to exactly these events (an empty list turns all off). */
	async setEvents(names: string[]): Promise<void> {
		for (const name of names) {
			if (!/^[A-Z_]+$/.test(name)) {
				throw new TypeError(`not an event name: ${name}`);
			}
		}

		await this.command(['SETEVENTS', ...names].join(' '));
	}

	async closeCircuit(id: string): Promise<void> {
		if (!/^[\dA-Za-z]{1,16}$/.test(id)) {
			throw new TypeError(`not a circuit id: ${id}`);
		}

		await this.command(`CLOSECIRCUIT ${id}`);
	}

	async getCircuits(): Promise<Circuit[]> {
		const values = await this.getInfo(['circuit-status']);
		return parseCircuitStatus(values['circuit-status'] ?? '');
	}

	async getBootstrapPhase(): Promise<BootstrapPhase> {
		const values = await this.getInfo(['status/bootstrap-phase']);
		const text = values['status/bootstrap-phase'] ?? '';
		const phase = parseBootstrapPhase(text);
		if (!phase) {
			throw new TorControlProtocolError(`unreadable status/bootstrap-phase: ${text}`);
		}

		return phase;
	}

	/** Relays in the consensus with the `Exit` flag and without `BadExit`. */
	async getExitRelays(): Promise<RouterStatus[]> {
		const values = await this.getInfo(['ns/all']);
		return selectExitRelays(parseRouterStatus(values['ns/all'] ?? ''));
	}

	/**
	 * Make every new stream leave through this exit: `SETCONF ExitNodes=$FP StrictNodes=1`, then close
	 * every existing circuit so none is reused. Circuits that vanish meanwhile are ignored.
	 */
	async pinExit(fingerprint: string): Promise<void> {
		const hex = fingerprint.replace(/^\$/, '').toUpperCase();
		if (!/^[\dA-F]{40}$/.test(hex)) {
			throw new TypeError(`not a relay fingerprint: ${fingerprint}`);
		}

		await this.setConf({ExitNodes: `$${hex}`, StrictNodes: 1});
		const circuits = await this.getCircuits();
		await Promise.all(circuits.map(async circuit => this.closeCircuit(circuit.id).catch((error: unknown) => {
			if (!(error instanceof TorControlError && error.code === unknownCircuitCode)) {
				throw error;
			}
		})));
	}

	/** Close the connection; idempotent. Every waiting command is rejected with TorControlClosedError. */
	close(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close(): Promise<void> {
		if (this.status !== 'stopped') {
			this.status = 'stopping';
		}

		this.#connectAbort?.abort();
		this.#pending.rejectAll(new TorControlClosedError('the control connection was closed by the controller'));
		const socket = this.#socket;
		if (!socket || !this.#socketClosed) {
			this.status = 'stopped';
			return;
		}

		const forceTimer = setTimeout(() => socket.destroy(), 1000);
		socket.end();
		await this.#socketClosed;
		clearTimeout(forceTimer);
	}

	async #openSocket(): Promise<void> {
		const {host, port, connectTimeoutMs} = this.#options;
		this.status = 'starting';
		this.#connectAbort = new AbortController();
		try {
			const socket = await connectSocket({host, port, timeoutMs: connectTimeoutMs, signal: this.#connectAbort.signal});
			if (this.status !== 'starting') {
				socket.destroy();
				throw new TorControlClosedError(`closed while connecting to ${host}:${port}`);
			}

			this.#attach(socket);
			this.status = 'ready';
		} catch (error) {
			if (this.status === 'starting') {
				this.status = 'idle';
			}

			throw error;
		}
	}

	#attach(socket: net.Socket): void {
		this.#socket = socket;
		socket.setNoDelay(true);
		socket.on('data', chunk => {
			this.#onData(chunk);
		});
		socket.on('error', error => {
			this.#socketError ??= error;
		});
		this.#socketClosed = new Promise(resolve => {
			socket.once('close', () => {
				this.status = 'stopped';
				this.#pending.rejectAll(new TorControlClosedError('the control connection closed', {cause: this.#socketError}));
				resolve();
				this.emit('close', this.#socketError);
			});
		});
	}

	#onData(chunk: Buffer): void {
		let items;
		try {
			items = this.#parser.push(chunk);
		} catch (error) {
			// A stream we cannot follow any more: drop the connection, every pending command fails.
			this.#socketError ??= error as Error;
			this.#socket?.destroy();
			return;
		}

		for (const item of items) {
			const parsed = item.kind === 'reply' ? controlReplySchema.safeParse(item.reply) : undefined;
			if (!parsed?.success) {
				this.droppedReplies++;
			} else if (isAsyncReply(parsed.data)) {
				this.emit('event', parseAsyncEvent(parsed.data));
			} else if (!this.#pending.answer(parsed.data)) {
				this.droppedReplies++;
			}
		}
	}
}
