import {z} from 'zod';

/** One line of a reply: its text after the status code and separator, and for `250+` lines the data block (dot-unescaped, lines joined with `\n`). */
export const controlReplyLineSchema = z.object({
	text: z.string(),
	data: z.string().optional(),
});

/** A whole reply (synchronous, or a `6xx` asynchronous event), as read off the control port. */
export const controlReplySchema = z.object({
	status: z.number().int().min(100).max(699),
	lines: z.array(controlReplyLineSchema).min(1),
});

export type ControlReplyLine = z.infer<typeof controlReplyLineSchema>;
export type ControlReply = z.infer<typeof controlReplySchema>;

/** Async replies (events) use the 6xx codes; everything else answers a command. */
export function isAsyncReply(reply: ControlReply): boolean {
	return reply.status >= 600;
}

/** 2xx is success; 4xx and 5xx are errors (control-spec 4). */
export function isSuccessReply(reply: ControlReply): boolean {
	return reply.status >= 200 && reply.status < 300;
}
