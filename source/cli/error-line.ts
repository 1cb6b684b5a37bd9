import {LeaseTimeoutError} from '../core/errors/lease-timeout-error.js';
import {RedisUnavailableError} from '../core/errors/redis-unavailable-error.js';
import {RedisServerNotFoundError} from '../redis/redis-server-not-found-error.js';
import {PortInUseError} from '../tor/errors/port-in-use-error.js';
import {TorNotFoundError} from '../tor/errors/tor-not-found-error.js';
import {commandNames, type CommandName} from './cli-flags.js';
import {UsageError} from './usage-error.js';

function firstLine(text: string): string {
	return text.split('\n')[0]?.trim() ?? '';
}

/** The error, or the first of its causes, that has a string `code`, and that code. */
function codedError(error: unknown): {error: Error; code: string} | undefined {
	if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
		return {error, code: error.code};
	}

	return error instanceof Error && error.cause !== undefined ? codedError(error.cause) : undefined;
}

/** The flags that choose a port each command listens on (Tor's own ports have PortInUseError). */
const portFlags: Partial<Record<CommandName, readonly string[]>> = {
	gateway: ['--port', '--socks-port', '--api-port', '--session-ports'],
	provider: ['--socks-port', '--http-port'],
};

/** The gateway listens on these unless told otherwise. */
const gatewayDefaultPorts: ReadonlyMap<number, string> = new Map([[8118, '--port'], [1080, '--socks-port'], [8119, '--api-port']]);

function isCommand(word: string): word is CommandName {
	return commandNames.some(name => name === word);
}

/** The flags and values given before `--`, as typed (`--flag value` or `--flag=value`). */
function givenFlags(argv: readonly string[]): Map<string, string> {
	const given = new Map<string, string>();
	const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
	for (let index = 0; index < end; index++) {
		const word = argv[index] ?? '';
		const [flag = '', inline] = word.split(/=(.*)/s);
		if (flag.startsWith('--')) {
			given.set(flag, inline ?? argv[index + 1] ?? '');
		}
	}

	return given;
}

function holdsPort(flag: string, value: string, port: number): boolean {
	if (flag === '--session-ports') {
		const [first, last] = value.split('-').map(Number);
		return first !== undefined && last !== undefined && first <= port && port <= last;
	}

	return Number(value) === port;
}

/**
 * Which flag to change when `port` is taken: the one of the command's port flags that was given
 * that port, else the gateway flag whose default it is; undefined when none is known.
 */
function flagOfPort(command: CommandName, given: ReadonlyMap<string, string>, port: number): string | undefined {
	const flags = portFlags[command] ?? [];
	const named = flags.find(flag => given.has(flag) && holdsPort(flag, given.get(flag) ?? '', port));
	if (named !== undefined) {
		return named;
	}

	const byDefault = command === 'gateway' ? gatewayDefaultPorts.get(port) : undefined;
	return byDefault !== undefined && !given.has(byDefault) ? byDefault : undefined;
}

function orList(words: readonly string[]): string {
	return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`;
}

/** "port P on H is in use: ..." naming the flag to change for the command on the command line. */
function portInUseLine(error: Error, argv: readonly string[]): string {
	const port = 'port' in error && typeof error.port === 'number' ? error.port : undefined;
	const address = 'address' in error && typeof error.address === 'string' ? error.address : undefined;
	const what = port === undefined ? firstLine(error.message) : `port ${port}${address ? ` on ${address}` : ''} is in use`;
	const command = argv.find(word => isCommand(word));
	const flags = command === undefined ? [] : portFlags[command] ?? [];
	if (command === undefined || flags.length === 0) {
		return `${what}: stop what uses it or pick another port`;
	}

	const flag = port === undefined ? undefined : flagOfPort(command, givenFlags(argv), port);
	if (flag === undefined) {
		return `${what}: stop what uses it or change ${orList(flags)}`;
	}

	const free = flag === '--session-ports' ? '' : command === 'gateway' ? ' (0: a free one)' : ' (or leave it out to use a free one)';
	return `${what}: stop what uses it or pick another ${flag}${free}`;
}

/**
 * One line for the user, naming the fix where there is a known one; never a stack trace (set
 * NIGHTCRAWLER_DEBUG=1 to get it on stderr as well). `argv` is the command line (nightcrawler's
 * own arguments), to name the flag that chose a port that turned out to be taken.
 */
export function errorLine(error: unknown, argv: readonly string[] = process.argv.slice(2)): string {
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

	if (error instanceof RedisServerNotFoundError || error instanceof TorNotFoundError || error instanceof PortInUseError) {
		return firstLine(error.message);
	}

	if (error instanceof LeaseTimeoutError) {
		return `no proxy was leased within ${error.timeoutMs / 1000} s: is a provider running on this Redis and namespace?`;
	}

	const coded = codedError(error);
	if (coded?.code === 'EADDRINUSE') {
		return portInUseLine(coded.error, argv);
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
