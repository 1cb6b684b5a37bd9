import type {ControlReply, ControlReplyLine} from './control-reply.js';
import {TorControlProtocolError} from './errors/tor-control-protocol-error.js';

const lineFeed = 0x0A;
const carriageReturn = 0x0D;

export type ParsedItem =
	| {kind: 'reply'; reply: ControlReply}
	| {kind: 'malformed'; line: string};

/**
 * Incremental parser for the control protocol's reply stream (control-spec 2.3).
 *
 * Feed it bytes as they arrive, split anywhere (mid-line, mid-CRLF, mid UTF-8 character);
 * it returns the replies completed by each chunk. `250-` mid lines and `250+` data lines
 * accumulate until the `250 ` end line; a data block ends at a line holding a single `.`,
 * and a leading `..` in the block stands for `.`. A line that is not `DDD[-+ ]...` is
 * returned as `malformed` and skipped.
 */
export class ReplyParser {
	/** Bytes held for the reply being read (its lines, data and unterminated line). */
	#held = 0;
	/** Bytes of the current, not yet terminated line. */
	#partial: Uint8Array[] = [];
	#lines: ControlReplyLine[] = [];
	#status: number | undefined;
	/** Lines of the data block being read, when inside one. */
	#data: string[] | undefined;

	/** `maxReplyBytes` bounds one reply (`GETINFO ns/all` on the public network is a few MB). */
	constructor(private readonly maxReplyBytes = 64 * 1024 * 1024) {}

	/** Throws TorControlProtocolError when one reply outgrows the bound: the stream cannot be trusted any more. */
	push(chunk: Uint8Array | string): ParsedItem[] {
		const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
		this.#held += bytes.length;
		if (this.#held > this.maxReplyBytes) {
			throw new TorControlProtocolError(`a control reply grew past ${this.maxReplyBytes} bytes`);
		}

		const items: ParsedItem[] = [];
		let start = 0;
		let end = bytes.indexOf(lineFeed, start);
		while (end !== -1) {
			this.#partial.push(bytes.subarray(start, end));
			const line = Buffer.concat(this.#partial);
			this.#partial = [];
			const length = line.length > 0 && line[line.length - 1] === carriageReturn ? line.length - 1 : line.length;
			const item = this.#onLine(line.toString('utf8', 0, length));
			if (item) {
				items.push(item);
			}

			start = end + 1;
			end = bytes.indexOf(lineFeed, start);
		}

		if (start < bytes.length) {
			// Copy: the caller may reuse its buffer.
			this.#partial.push(Buffer.from(bytes.subarray(start)));
		}

		return items;
	}

	#onLine(line: string): ParsedItem | undefined {
		if (this.#data) {
			if (line === '.') {
				const last = this.#lines.at(-1);
				if (last) {
					last.data = this.#data.join('\n');
				}

				this.#data = undefined;
			} else {
				this.#data.push(line.startsWith('.') ? line.slice(1) : line);
			}

			return undefined;
		}

		const match = /^(\d{3})([- +])(.*)$/s.exec(line);
		if (!match) {
			return {kind: 'malformed', line};
		}

		const [, code = '', separator, text = ''] = match;
		this.#status ??= Number(code);
		this.#lines.push({text});
		if (separator === '+') {
			this.#data = [];
			return undefined;
		}

		if (separator === '-') {
			return undefined;
		}

		const reply: ControlReply = {status: this.#status, lines: this.#lines};
		this.#status = undefined;
		this.#lines = [];
		this.#held = 0;
		return {kind: 'reply', reply};
	}
}
