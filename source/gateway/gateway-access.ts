import {timingSafeEqual, createHash} from 'node:crypto';
import type {AccessGrant, AccessRefusal, AccessRequest} from '../front/front-access.js';
import {chooseSession, type ChoiceRules} from './session-choice.js';
import type {SessionTable} from './session-table.js';

export type GatewayAccessOptions = Omit<ChoiceRules, 'nextFresh'> & {
	/** When set, every connection must give it as its proxy password. */
	readonly token?: string;
};

/** Compare secrets in constant time (hashed first, so lengths do not leak either). */
export function sameSecret(given: string, expected: string): boolean {
	const digest = (text: string) => createHash('sha256').update(text).digest();
	return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The gateway's answer to the front: check the token, pick the connection's session, and wait (up
 * to the lease time-out) for that session's lease.
 */
export function gatewayAccess(table: SessionTable, options: GatewayAccessOptions): (request: AccessRequest) => Promise<AccessGrant | AccessRefusal> {
	let fresh = 0;
	const rules: ChoiceRules = {...options, nextFresh: () => ++fresh};
	return async request => {
		const {credentials} = request;
		if (options.token !== undefined) {
			if (!credentials) {
				return {ok: false, reason: 'no-credentials'};
			}

			if (!sameSecret(credentials.password, options.token)) {
				return {ok: false, reason: 'bad-credentials'};
			}
		}

		const choice = chooseSession({username: credentials?.username, clientAddress: request.clientAddress, localPort: request.localPort}, rules);
		if ('error' in choice) {
			return {ok: false, reason: choice.reason, message: choice.error};
		}

		const opened = await table.open(choice);
		return opened.ok ? {ok: true, key: choice.key, upstream: opened.upstream} : {ok: false, reason: 'unavailable', message: opened.message};
	};
}
