import {createHash, randomBytes} from 'node:crypto';

/** RFC 2440 iterated+salted S2K count indicator Tor uses: 0x60 → 65536 bytes hashed. */
const countIndicator = 0x60;
const expBias = 6;

/**
 * Hash a control-port password the way `tor --hash-password` does, for `HashedControlPassword`:
 * `16:` + hex(salt[8] | 0x60 | SHA1 over (salt | password) repeated to 65536 bytes), uppercase.
 */
export function hashControlPassword(password: string, salt: Uint8Array = randomBytes(8)): string {
	if (salt.length !== 8) {
		throw new RangeError('the salt must be 8 bytes');
	}

	const secret = Buffer.concat([salt, Buffer.from(password, 'utf8')]);
	const count = (16 + (countIndicator & 15)) << ((countIndicator >> 4) + expBias);
	const sha1 = createHash('sha1');
	// Like tor's secret_to_key_rfc2440: feed salt|password until `count` bytes (cut short if longer).
	for (let remaining = count; remaining > 0; remaining -= secret.length) {
		sha1.update(secret.subarray(0, Math.min(remaining, secret.length)));
	}

	const key = Buffer.concat([salt, Buffer.from([countIndicator]), sha1.digest()]);
	return `16:${key.toString('hex').toUpperCase()}`;
}
