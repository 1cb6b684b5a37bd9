import {createHash, randomBytes, timingSafeEqual} from 'node:crypto';

/** The username and password that let a lease's traffic through its provider's front. */
export type LeaseCredentials = {readonly username: string; readonly password: string};

/** A new lease's secrets: the secret that proves its messages, and its front credentials. */
export type LeaseSecrets = {readonly secret: string; readonly credentials: LeaseCredentials};

const secretBytes = 24;
const usernameBytes = 12;
const passwordBytes = 24;

/**
 * New secrets for one lease, from one read of the CSPRNG split in three: the secret (24 bytes), the
 * front username (`nc` + 12 bytes) and password (24 bytes), each base64url. Random and unguessable,
 * different for every lease, and unrelated to one another (disjoint bytes).
 */
export function mintLeaseSecrets(): LeaseSecrets {
	const bytes = randomBytes(secretBytes + usernameBytes + passwordBytes);
	const usernameEnd = secretBytes + usernameBytes;
	return {
		secret: bytes.subarray(0, secretBytes).toString('base64url'),
		credentials: {
			username: `nc${bytes.subarray(secretBytes, usernameEnd).toString('base64url')}`,
			password: bytes.subarray(usernameEnd).toString('base64url'),
		},
	};
}

/** Compare a presented password with the lease's in constant time (digests, so lengths need not match). */
export function samePassword(presented: string, expected: string): boolean {
	const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
	return timingSafeEqual(digest(presented), digest(expected));
}
