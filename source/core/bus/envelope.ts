import {regexes, z} from 'zod';

/** Largest message (in bytes of its JSON text) a bus accepts; larger ones are dropped. */
export const defaultMaxMessageBytes = 16 * 1024;

/**
 * What travels on every channel: the sender's UUID, the event name, the target for directed
 * messages, and the event's data. Extra keys are refused.
 */
export const envelopeSchema = z
	.object({
		event: z.string().min(1).max(64),
		UUID: z.uuid(),
		to: z.uuid().optional(),
		data: z.unknown().optional(),
	})
	.strict();

export type Envelope = z.infer<typeof envelopeSchema>;

/** The pattern `z.uuid()` checks, one object reused. */
const uuidPattern = regexes.uuid();

/**
 * The common case of `envelopeSchema`, checked without zod: on a busy bus a zod parse of the
 * envelope costs several times this, on every message. Never more lenient than the schema (what it
 * accepts, the schema accepts); what it refuses goes to the schema, which has the last word and
 * the error message.
 */
export function isPlainEnvelope(json: unknown): json is Envelope {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) {
		return false;
	}

	let required = 0;
	// Own enumerable keys, as Object.entries gives them, without an array of pairs per message.
	for (const key in json) {
		if (!Object.hasOwn(json, key)) {
			continue;
		}

		const value: unknown = Reflect.get(json, key);
		if (key === 'event') {
			if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
				return false;
			}

			required++;
		} else if (key === 'UUID' || key === 'to') {
			if (typeof value !== 'string' || !uuidPattern.test(value)) {
				return false;
			}

			required += key === 'UUID' ? 1 : 0;
		} else if (key !== 'data') {
			return false;
		}
	}

	return required === 2;
}

/** Incoming event name → schema of its data. */
export type EventSchemas = Record<string, z.ZodType>;

/** A received, validated message. */
export type BusMessage<Data> = {
	readonly event: string;
	/** The sender's UUID. */
	readonly from: string;
	/** Set on directed messages: this instance's UUID. */
	readonly to: string | undefined;
	readonly data: Data;
};

export type DataOf<Schemas extends EventSchemas, Event extends keyof Schemas> = z.infer<Schemas[Event]>;
