import {UsageError} from './usage-error.js';

export const commandNames = ['provider', 'client', 'run', 'testnet', 'gateway'] as const;
export type CommandName = (typeof commandNames)[number];

/**
 * Every flag of every command, for meow. Values are read as strings and checked by the command's
 * zod schema, so `--tors abc` gets a message naming the flag instead of NaN.
 */
export const meowFlags = {
	help: {type: 'boolean', shortFlag: 'h'},
	version: {type: 'boolean'},
	redis: {type: 'string'},
	namespace: {type: 'string'},
	format: {type: 'string'},
	tors: {type: 'string'},
	host: {type: 'string'},
	advertiseHost: {type: 'string'},
	basePort: {type: 'string'},
	socksPort: {type: 'string'},
	httpPort: {type: 'string'},
	fresh: {type: 'boolean'},
	torrc: {type: 'string'},
	tor: {type: 'string'},
	leaseTtl: {type: 'string'},
	ipCheckUrl: {type: 'string'},
	testnet: {type: 'boolean'},
	joinTestnet: {type: 'string'},
	exits: {type: 'string'},
	backend: {type: 'string'},
	count: {type: 'string'},
	http: {type: 'boolean'},
	timeout: {type: 'string'},
	// gateway (socksPort too)
	port: {type: 'string'},
	apiPort: {type: 'string'},
	sessionPorts: {type: 'string'},
	sessionIdle: {type: 'string'},
	defaultSession: {type: 'string'},
	warm: {type: 'string'},
	leaseTimeout: {type: 'string'},
	token: {type: 'string'},
} as const;

const booleanFlags = new Set(['help', 'version', 'fresh', 'testnet', 'http']);
const common = ['help', 'version'];
const bus = ['redis', 'namespace'];

/** The flags each command takes, as typed on the command line. */
const commandFlags: Record<CommandName, ReadonlySet<string>> = {
	provider: new Set([...common, ...bus, 'format', 'tors', 'host', 'advertise-host', 'base-port', 'socks-port', 'http-port', 'fresh', 'torrc', 'tor', 'lease-ttl', 'ip-check-url', 'testnet', 'join-testnet', 'exits', 'backend']),
	client: new Set([...common, ...bus, 'format', 'count', 'http', 'timeout']),
	run: new Set([...common, ...bus, 'count', 'timeout']),
	testnet: new Set([...common, 'format', 'exits', 'tor', 'host']),
	gateway: new Set([...common, ...bus, 'format', 'host', 'port', 'socks-port', 'api-port', 'session-ports', 'session-idle', 'default-session', 'warm', 'lease-timeout', 'token']),
};

const allFlags = new Set(Object.values(commandFlags).flatMap(flags => [...flags]));

function isKnown(name: string, known: ReadonlySet<string>): boolean {
	return known.has(name) || (name.startsWith('no-') && booleanFlags.has(name.slice(3)) && known.has(name.slice(3)));
}

/**
 * Split argv at the first `--` (what follows is a command for `run`, never parsed as flags) and
 * reject any flag the command does not take, naming it as it was typed.
 */
export function checkArgv(argv: readonly string[], command: CommandName | undefined): {own: string[]; rest: string[] | undefined} {
	const separator = argv.indexOf('--');
	const own = separator === -1 ? [...argv] : argv.slice(0, separator);
	const rest = separator === -1 ? undefined : argv.slice(separator + 1);
	const known = command ? commandFlags[command] : allFlags;
	for (const token of own) {
		if (token === '-h') {
			continue;
		}

		if (token.startsWith('--')) {
			const name = token.slice(2).split('=')[0] ?? '';
			if (!isKnown(name, known)) {
				throw new UsageError(isKnown(name, allFlags) && command ? `--${name} is not a flag of "nightcrawler ${command}"` : `unknown flag --${name}`);
			}
		} else if (token.startsWith('-') && token.length > 1 && !/^-\d/.test(token)) {
			throw new UsageError(`unknown flag ${token}`);
		}
	}

	return {own, rest};
}
