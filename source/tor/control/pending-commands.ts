import type {ControlReply} from './control-reply.js';
import {TorControlTimeoutError} from './errors/tor-control-timeout-error.js';

interface PendingCommand {
	command: string;
	resolve: (reply: ControlReply) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout | undefined;
	settled: boolean;
}

/**
 * The commands sent and not yet answered, oldest first. Tor answers commands in the order it
 * received them (control-spec 1), so each synchronous reply settles the oldest entry. A command
 * that times out is rejected at once but keeps its place, so that its late reply, if any, is
 * consumed by it rather than mistaken for the answer to the next command.
 */
export class PendingCommands {
	readonly #queue: PendingCommand[] = [];

	get size(): number {
		return this.#queue.length;
	}

	/** Register a command about to be written; `command` is only used in error messages (pass it redacted). */
	add(command: string, timeoutMs: number): Promise<ControlReply> {
		return new Promise<ControlReply>((resolve, reject) => {
			const entry: PendingCommand = {command, resolve, reject, timer: undefined, settled: false};
			entry.timer = setTimeout(() => {
				this.#settle(entry, new TorControlTimeoutError(`"${command}" got no reply`, timeoutMs));
			}, timeoutMs);
			this.#queue.push(entry);
		});
	}

	/** A synchronous reply arrived. Returns false when no command was waiting for it. */
	answer(reply: ControlReply): boolean {
		const entry = this.#queue.shift();
		if (!entry) {
			return false;
		}

		this.#settle(entry, reply);
		return true;
	}

	/** Reject every waiting command (on close) and forget them all. */
	rejectAll(error: Error): void {
		for (const entry of this.#queue.splice(0)) {
			this.#settle(entry, error);
		}
	}

	/** The one place an entry is settled: on its reply, its timeout, or the connection closing. */
	#settle(entry: PendingCommand, outcome: ControlReply | Error): void {
		clearTimeout(entry.timer);
		if (entry.settled) {
			return;
		}

		entry.settled = true;
		if (outcome instanceof Error) {
			entry.reject(outcome);
		} else {
			entry.resolve(outcome);
		}
	}
}
