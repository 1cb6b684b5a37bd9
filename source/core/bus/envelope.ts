import {z} from 'zod';

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
