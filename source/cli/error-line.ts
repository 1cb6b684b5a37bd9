import {LeaseTimeoutError} from '../core/errors/lease-timeout-error.js';
import {RedisUnavailableError} from '../core/errors/redis-unavailable-error.js';
import {RedisServerNotFoundError} from '../redis/redis-server-not-found-error.js';
import {PortInUseError} from '../tor/errors/port-in-use-error.js';
import {TorNotFoundError} from '../tor/errors/tor-not-found-error.js';
import {PortTakenError, portTaken} from './port-taken-error.js';
import {UsageError} from './usage-error.js';

function firstLine(text: string): string {
	return text.split('\n')[0]?.trim() ?? '';
}

/**
 * One line for the user, naming the fix where there is a known one; never a stack trace (set
 * NIGHTCRAWLER_DEBUG=1 to get it on stderr as well).
 */
export function errorLine(error: unknown): string {
	if (process.env.NIGHTCRAWLER_DEBUG && error instanceof Error && error.stack) {
		console.error(error.stack);
	}

	if (error instanceof UsageError) {
		return `${error.message} (see nightcrawler --help)`;
	}

	if (error instanceof RedisUnavailableError) {
		const reason = error.cause instanceof Error ? ` (${firstLine(error.cause.message).replace(/\.$/, '')})` : '';
		return `cannot reach Redis at ${error.target}${reason}: is redis-server running there? Or pass --redis URL (or set REDIS_URL)`;
	}

	if (error instanceof RedisServerNotFoundError || error instanceof TorNotFoundError || error instanceof PortInUseError || error instanceof PortTakenError) {
		return firstLine(error.message);
	}

	if (error instanceof LeaseTimeoutError) {
		return `no proxy was leased within ${error.timeoutMs / 1000} s: is a provider running on this Redis and namespace?`;
	}

	// A port taken that no command named its flag for (the commands that listen say which flag chose it).
	const taken = portTaken(error, []);
	if (taken instanceof PortTakenError) {
		return taken.message;
	}

	if (error instanceof Error) {
		return firstLine(error.message) || error.name;
	}

	return String(error);
}

/** 2 for a wrong command line, 1 for anything else. */
export function exitCodeOf(error: unknown): number {
	return error instanceof UsageError ? 2 : 1;
}
