import {createHash, randomBytes, timingSafeEqual} from 'node:crypto';

/** The username and password that let a lease's traffic through its provider's front. */
export type LeaseCredentials = {readonly username: string; readonly password: string};

/**
 * New credentials for one lease: random and unguessable (12 and 24 bytes from the CSPRNG,
 * base64url), different for every lease, and unrelated to the lease secret.
 */
export function mintCredentials(): LeaseCredentials {
	return {username: `nc${randomBytes(12).toString('base64url')}`, password: randomBytes(24).toString('base64url')};
}

/** Compare a presented password with the lease's in constant time (digests, so lengths need not match). */
export function samePassword(presented: string, expected: string): boolean {
	const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
	return timingSafeEqual(digest(presented), digest(expected));
}
