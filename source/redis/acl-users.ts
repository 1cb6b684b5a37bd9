import {createHash, randomBytes} from 'node:crypto';

/** The two roles of the protocol, each a Redis ACL user. */
export type AclRole = 'provider' | 'client';

export type AclUser = {
	readonly name: string;
	readonly role: AclRole;
	/** Omitted: no password (`nopass`). Only its SHA-256 ever reaches Redis's command line. */
	readonly password?: string;
};

/** The user an embedded redis-server creates for providers (clients use Redis's `default` user). */
export const embeddedProviderUser = 'nightcrawler-provider';

/** 192 random bits, base64url: a password for a role user. */
export function newAclPassword(): string {
	return randomBytes(24).toString('base64url');
}

function sha256(text: string): string {
	return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** What every role may run besides pub/sub: connection set-up (ioredis's name and ready check). */
const connectionCommands = ['+ping', '+echo', '+quit', '+info', '+client|setname', '+client|getname', '+client|id'];

/**
 * The ACL rules of one role in `namespace` (`*` for any namespace), after `reset`: channel patterns
 * cannot tell a provider's UUID from a client's (both are `<ns>:to:<uuid>`), so what they enforce is
 * who may publish and subscribe to the request broadcast, and that nobody may PSUBSCRIBE, MONITOR,
 * touch the configuration or, for clients, any key.
 */
export function aclRules(role: AclRole, namespace = '*'): string[] {
	const direct = `&${namespace}:to:*`;
	const requests = `&${namespace}:event:proxy:request`;
	if (role === 'client') {
		// Publish requests and directed messages; subscribe only to directed channels (its own).
		return [...connectionCommands, direct, requests, '+publish', `(+subscribe +unsubscribe ${direct})`];
	}

	// Publish only directed messages (answers); subscribe to directed channels and the requests.
	// Keys under the namespace for cluster-wide state (exit claims), nothing dangerous.
	return [
		`~${namespace}:*`,
		'+@read',
		'+@write',
		'-@dangerous',
		...connectionCommands,
		'+eval',
		'+evalsha',
		// The exit claims' scripts read the server's clock.
		'+time',
		direct,
		'+publish',
		`(+subscribe +unsubscribe ${direct} ${requests})`,
	];
}

/** The tokens of an ACL SETUSER (or a `user` config line) for one user, from `reset`. */
export function aclUserTokens(user: AclUser, namespace = '*'): string[] {
	return [user.name, 'reset', 'on', user.password === undefined ? 'nopass' : `#${sha256(user.password)}`, ...aclRules(user.role, namespace)];
}

/** An ACL file line (`user …`) for one user, as the README shows them. */
export function aclUserLine(user: AclUser, namespace = '*'): string {
	return ['user', ...aclUserTokens(user, namespace)].join(' ');
}
