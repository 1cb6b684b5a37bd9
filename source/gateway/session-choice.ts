import {parseDuration} from '../util/parse-duration.js';

/**
 * What a connection without a `session-<key>` username gets: `none` asks it for credentials (HTTP 407,
 * SOCKS5 username/password only), which is what makes tools that send their proxy credentials only
 * when challenged (Chromium, so Playwright) name their session.
 */
export const defaultSessionPolicies = ['fresh', 'shared', 'per-client', 'none'] as const;
export type DefaultSessionPolicy = (typeof defaultSessionPolicies)[number];

/**
 * The session a connection belongs to. `sticky` sessions keep their lease while used (and until
 * idle for the idle time); a `fresh` one lives as long as its one connection. Keys the gateway
 * makes itself start with ':' so they never meet a key a user chose.
 */
export type SessionChoice = {
	readonly key: string;
	readonly kind: 'sticky' | 'fresh';
	/** A bound on the session's life (`-ttl-<duration>`). */
	readonly ttlMs?: number;
};

export type ChoiceInput = {
	readonly username: string | undefined;
	readonly clientAddress: string;
	readonly localPort: number;
};

export type ChoiceRules = {
	readonly defaultSession: DefaultSessionPolicy;
	/** Ports whose connections each share one sticky session per port. */
	readonly sessionPorts?: {readonly first: number; readonly last: number};
	/** A number for the next fresh session's key. */
	readonly nextFresh: () => number;
};

const usernamePattern = /^session-([\w.-]{1,64}?)(?:-ttl-(\d+(?:ms|s|m|h|d)?))?$/;

/**
 * `session-<key>` or `session-<key>-ttl-<duration>` → the session it names; any other username
 * (or none) → undefined (the default session); a `session-` username that does not parse → an error message.
 */
export function parseSessionUsername(username: string): {key: string; ttlMs?: number} | {error: string} | undefined {
	if (!username.startsWith('session-')) {
		return undefined;
	}

	const match = usernamePattern.exec(username);
	if (!match?.[1]) {
		return {error: 'a session username is session-<key> or session-<key>-ttl-<duration>, the key at most 64 letters, digits and . _ -'};
	}

	if (match[2] === undefined) {
		return {key: match[1]};
	}

	const ttlMs = parseDuration(match[2]);
	if (ttlMs === undefined || ttlMs < 1000) {
		return {error: `session ttl must be a duration of at least 1s such as 90s, 30m or 1h, got "${match[2]}"`};
	}

	return {key: match[1], ttlMs};
}

/** Why a connection has no session: a username that does not parse, or none given where one is required. */
export type ChoiceError = {readonly error: string; readonly reason: 'bad-credentials' | 'no-credentials'};

/** Which session a connection belongs to: its session port, else its username, else the default policy. */
export function chooseSession(input: ChoiceInput, rules: ChoiceRules): SessionChoice | ChoiceError {
	const ports = rules.sessionPorts;
	if (ports && input.localPort >= ports.first && input.localPort <= ports.last) {
		return {key: `:port-${input.localPort}`, kind: 'sticky'};
	}

	const named = input.username === undefined ? undefined : parseSessionUsername(input.username);
	if (named && 'error' in named) {
		return {error: named.error, reason: 'bad-credentials'};
	}

	if (named) {
		return {key: named.key, kind: 'sticky', ttlMs: named.ttlMs};
	}

	switch (rules.defaultSession) {
		case 'shared': {
			return {key: ':shared', kind: 'sticky'};
		}

		case 'per-client': {
			return {key: `:client-${input.clientAddress}`, kind: 'sticky'};
		}

		case 'fresh': {
			return {key: `:fresh-${rules.nextFresh()}`, kind: 'fresh'};
		}

		case 'none': {
			return input.username === undefined
				? {error: 'Proxy credentials required: the username names the session, session-<key>.', reason: 'no-credentials'}
				: {error: 'The proxy username names the session: session-<key> or session-<key>-ttl-<duration>.', reason: 'bad-credentials'};
		}
	}
}
