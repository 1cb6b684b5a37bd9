import type {Channels} from './channels.js';
import type {DropReason} from './drop-reason.js';
import {envelopeSchema, isPlainEnvelope, type BusMessage, type Envelope, type EventSchemas} from './envelope.js';
import {compileFastCheck, refused, type FastCheck} from './fast-check.js';

export type DecodeContext = {
	/** This instance's UUID and channels. */
	readonly id: string;
	readonly channels: Channels;
	readonly directChannel: string;
	readonly inbound: EventSchemas;
	readonly maxMessageBytes: number;
};

export type Decoded = {ok: true; direct: boolean; message: BusMessage<unknown>} | {ok: false; reason: DropReason; detail: string};

/**
 * Check one message as Redis delivered it: size, JSON, envelope, that it came on the channel its
 * envelope says (a broadcast on its event's channel, a directed message on ours, addressed to us),
 * and its event's data schema. Never throws: what fails is a drop reason with a detail.
 */
export function decodeMessage(channel: string, text: string, context: DecodeContext): Decoded {
	// A JS string's UTF-8 form is at most 3 bytes per UTF-16 unit: most messages need no count.
	if (text.length * 3 > context.maxMessageBytes) {
		const bytes = Buffer.byteLength(text, 'utf8');
		if (bytes > context.maxMessageBytes) {
			return {ok: false, reason: 'too-large', detail: `${bytes} bytes on ${channel}`};
		}
	}

	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return {ok: false, reason: 'bad-json', detail: channel};
	}

	let envelope: Envelope;
	if (isPlainEnvelope(json)) {
		envelope = json;
	} else {
		const parsed = envelopeSchema.safeParse(json);
		if (!parsed.success) {
			return {ok: false, reason: 'bad-envelope', detail: parsed.error.issues[0]?.message ?? channel};
		}

		envelope = parsed.data;
	}

	const {event, UUID, to, data} = envelope;
	const direct = channel === context.directChannel;
	if (direct ? to !== context.id : to !== undefined || channel !== context.channels.broadcast(event)) {
		return {ok: false, reason: 'wrong-channel', detail: `${event} on ${channel}`};
	}

	if (!Object.hasOwn(context.inbound, event)) {
		return {ok: false, reason: 'unknown-event', detail: event};
	}

	const schema = context.inbound[event]!;
	const fast = fastCheckOf(context.inbound, event, schema);
	if (fast) {
		const output = fast(data);
		if (output !== refused) {
			return {ok: true, direct, message: {event, from: UUID, to, data: output}};
		}
	}

	// Refused (zod gives the reason), or a schema the fast check does not cover.
	const parsed = schema.safeParse(data);
	if (!parsed.success) {
		return {ok: false, reason: 'bad-data', detail: `${event}: ${parsed.error.issues[0]?.message ?? 'invalid'}`};
	}

	return {ok: true, direct, message: {event, from: UUID, to, data: parsed.data}};
}

/** Each inbound table's schemas, compiled once on first use (null: zod checks that event). */
const compiled = new WeakMap<EventSchemas, Map<string, FastCheck | null>>();

function fastCheckOf(inbound: EventSchemas, event: string, schema: EventSchemas[string]): FastCheck | null {
	let table = compiled.get(inbound);
	if (!table) {
		table = new Map();
		compiled.set(inbound, table);
	}

	let check = table.get(event);
	if (check === undefined) {
		check = compileFastCheck(schema) ?? null;
		table.set(event, check);
	}

	return check;
}
