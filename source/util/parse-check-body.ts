import net from 'node:net';
import {z} from 'zod';

/** The answer of check.torproject.org/api/ip (and of the testnet's echo server). */
const checkAnswerSchema = z.object({
	IsTor: z.boolean(),
	IP: z.string().trim().refine(ip => net.isIP(ip) !== 0, 'not an IP address'),
});

export type CheckAnswer = z.infer<typeof checkAnswerSchema>;

/**
 * The exit IP in the body of an IP-check service: either `{"IsTor":true,"IP":"1.2.3.4"}` or a plain
 * text body holding just the address. Undefined for anything else, including `"IsTor":false`
 * (the request did not arrive through Tor, so its address is no exit's).
 */
export function parseCheckBody(body: string): string | undefined {
	const text = body.trim();
	if (net.isIP(text) !== 0) {
		return text;
	}

	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return undefined;
	}

	const parsed = checkAnswerSchema.safeParse(json);
	return parsed.success && parsed.data.IsTor ? parsed.data.IP : undefined;
}
