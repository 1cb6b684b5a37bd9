import {z} from 'zod';
import type {ControlReply} from './control-reply.js';
import {parseKeywordLine} from './control-string.js';

/** What `PROTOCOLINFO 1` tells before authentication (control-spec 3.21). */
export interface ProtocolInfo {
	/** e.g. `['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD']`, or `['NULL']`. */
	methods: string[];
	cookieFile?: string;
	torVersion?: string;
}

const authLineSchema = z.object({
	METHODS: z.string().min(1),
	COOKIEFILE: z.string().optional(),
});

export function parseProtocolInfo(reply: ControlReply): ProtocolInfo | undefined {
	let info: ProtocolInfo | undefined;
	let torVersion: string | undefined;
	for (const {text} of reply.lines) {
		const {positional, keywords} = parseKeywordLine(text);
		if (positional[0] === 'AUTH') {
			const auth = authLineSchema.safeParse(keywords);
			if (auth.success) {
				info = {methods: auth.data.METHODS.split(',')};
				if (auth.data.COOKIEFILE !== undefined) {
					info.cookieFile = auth.data.COOKIEFILE;
				}
			}
		} else if (positional[0] === 'VERSION') {
			torVersion = keywords.Tor;
		}
	}

	if (info && torVersion !== undefined) {
		info.torVersion = torVersion;
	}

	return info;
}

const authChallengeSchema = z.object({
	SERVERHASH: z.string().regex(/^[\dA-Fa-f]{64}$/),
	SERVERNONCE: z.string().regex(/^[\dA-Fa-f]{64}$/),
});

/** Parse `250 AUTHCHALLENGE SERVERHASH=<64 hex> SERVERNONCE=<64 hex>`. */
export function parseAuthChallenge(reply: ControlReply): {serverHash: Buffer; serverNonce: Buffer} | undefined {
	const {positional, keywords} = parseKeywordLine(reply.lines[0]?.text ?? '');
	const parsed = authChallengeSchema.safeParse(keywords);
	if (positional[0] !== 'AUTHCHALLENGE' || !parsed.success) {
		return undefined;
	}

	return {
		serverHash: Buffer.from(parsed.data.SERVERHASH, 'hex'),
		serverNonce: Buffer.from(parsed.data.SERVERNONCE, 'hex'),
	};
}
