import type {z} from 'zod';
import {checkArgv, commandNames, type CommandName} from './cli-flags.js';
import {clientFlagsSchema, gatewayFlagsSchema, providerFlagsSchema, redisSourceSchema, runFlagsSchema, testnetFlagsSchema, type ClientFlags, type GatewayFlags, type ProviderFlags, type RunFlags, type TestnetFlags} from './flag-schemas.js';
import {UsageError} from './usage-error.js';

type RedisSource = {url: string; named: boolean};

export type Invocation =
	| {command: 'help'; exitCode: number}
	| {command: 'version'}
	| {command: 'provider'; flags: ProviderFlags; redis: RedisSource}
	| {command: 'client'; flags: ClientFlags; redis: RedisSource}
	| {command: 'run'; flags: RunFlags; redis: RedisSource; argv: string[]}
	| {command: 'testnet'; flags: TestnetFlags}
	| {command: 'gateway'; flags: GatewayFlags; redis: RedisSource};

/** What meow parsed: positional input and flags (strings and booleans, camelCase). */
export type ParsedArgs = {
	readonly input: readonly string[];
	readonly flags: Readonly<Record<string, unknown>>;
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
	const result = schema.safeParse(value);
	if (!result.success) {
		throw new UsageError(result.error.issues[0]?.message ?? 'invalid flags');
	}

	return result.data;
}

function isCommand(name: string | undefined): name is CommandName {
	return commandNames.some(command => command === name);
}

/**
 * Turn the command line into one validated invocation, or throw a UsageError with a one-line
 * message. `argv` is the raw argument list (to name unknown flags as typed and find `--`).
 */
export function parseCommandLine(argv: readonly string[], parsed: ParsedArgs, env: NodeJS.ProcessEnv): Invocation {
	const [name, ...extra] = parsed.input;
	if (name === 'run' && extra.length > 0 && !argv.includes('--')) {
		throw new UsageError('put -- before the command to run, as in: nightcrawler run --count 2 -- curl https://example.com');
	}

	const {rest} = checkArgv(argv, isCommand(name) ? name : undefined);
	if (parsed.flags.version === true) {
		return {command: 'version'};
	}

	if (parsed.flags.help === true) {
		return {command: 'help', exitCode: 0};
	}

	if (name === undefined) {
		return {command: 'help', exitCode: 2};
	}

	if (!isCommand(name)) {
		throw new UsageError(`unknown command "${name}": use provider, client, run, gateway or testnet`);
	}

	if (extra.length > 0) {
		throw new UsageError(`unexpected argument "${extra[0]}"`);
	}

	if (rest !== undefined && name !== 'run') {
		throw new UsageError(`"nightcrawler ${name}" takes no command after --`);
	}

	const {flags} = parsed;
	if (name === 'testnet') {
		return {command: 'testnet', flags: parse(testnetFlagsSchema, flags)};
	}

	// The command's flags first: a bad --redis is reported by its schema, without echoing it.
	const redisOf = () => parse(redisSourceSchema, {flag: flags.redis, env: env.REDIS_URL});
	if (name === 'provider') {
		const providerFlags = parse(providerFlagsSchema, flags);
		return {command: 'provider', flags: providerFlags, redis: redisOf()};
	}

	if (name === 'client') {
		const clientFlags = parse(clientFlagsSchema, flags);
		return {command: 'client', flags: clientFlags, redis: redisOf()};
	}

	if (name === 'gateway') {
		const gatewayFlags = parse(gatewayFlagsSchema, flags);
		return {command: 'gateway', flags: gatewayFlags, redis: redisOf()};
	}

	const runFlags = parse(runFlagsSchema, flags);
	if (rest === undefined || rest.length === 0) {
		throw new UsageError('run needs a command after --, for example: nightcrawler run -- curl https://example.com');
	}

	return {command: 'run', flags: runFlags, redis: redisOf(), argv: rest};
}
