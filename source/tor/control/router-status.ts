/** One router status entry from `GETINFO ns/all` (dir-spec "r", "a", "s" lines). */
export interface RouterStatus {
	nickname: string;
	/** Identity fingerprint: 40 hex digits, uppercase. */
	fingerprint: string;
	/** IPv4 address of the OR port. */
	address: string;
	orPort: number;
	/** Flags from the `s` line, e.g. `Exit`, `Fast`, `Guard`, `Running`, `Valid`. */
	flags: string[];
}

/**
 * Parse router status entries. The `r` line is `r NICKNAME IDENTITY [DIGEST] PUBLISHED-DATE
 * PUBLISHED-TIME IP ORPORT DIRPORT` (the digest is absent in microdescriptor form), so the
 * nickname and identity are read from the front and the address and ports from the back.
 * Entries with a malformed `r` line are skipped.
 */
export function parseRouterStatus(value: string): RouterStatus[] {
	const routers: RouterStatus[] = [];
	let current: RouterStatus | undefined;
	for (const rawLine of value.split('\n')) {
		const tokens = rawLine.trim().split(/\s+/);
		const [keyword] = tokens;
		if (keyword === 'r') {
			current = parseRLine(tokens);
			if (current) {
				routers.push(current);
			}
		} else if (keyword === 's' && current) {
			current.flags = tokens.slice(1);
		}
	}

	return routers;
}

/** Relays a client may use as its exit: the `Exit` flag and not `BadExit`. */
export function selectExitRelays(routers: RouterStatus[]): RouterStatus[] {
	return routers.filter(router => router.flags.includes('Exit') && !router.flags.includes('BadExit'));
}

function parseRLine(tokens: string[]): RouterStatus | undefined {
	if (tokens.length < 8) {
		return undefined;
	}

	const nickname = tokens[1]!;
	const fingerprint = identityToFingerprint(tokens[2]!);
	const address = tokens.at(-3)!;
	const orPort = Number(tokens.at(-2));
	if (fingerprint === undefined || !Number.isInteger(orPort) || orPort < 0 || orPort > 65_535) {
		return undefined;
	}

	return {nickname, fingerprint, address, orPort, flags: []};
}

/** The identity is base64 of the 20-byte SHA-1 digest, without trailing `=`. */
function identityToFingerprint(identity: string): string | undefined {
	if (!/^[A-Za-z\d+/]{27}=?$/.test(identity)) {
		return undefined;
	}

	const bytes = Buffer.from(identity, 'base64');
	return bytes.length === 20 ? bytes.toString('hex').toUpperCase() : undefined;
}
