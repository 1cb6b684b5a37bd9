import {existsSync} from 'node:fs';
import net from 'node:net';
import {z} from 'zod';
import {parseDuration} from '../util/parse-duration.js';
import {defaultSessionPolicies} from '../gateway/session-choice.js';

const defaultRedisUrl = 'redis://127.0.0.1:6379';

function wholeNumber(flag: string, min: number, max: number) {
	return z.string().transform((text, context) => {
		const value = Number(text);
		if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
			context.addIssue(`--${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
			return z.NEVER;
		}

		return value;
	});
}

function duration(flag: string, minMs: number, {zero = false} = {}) {
	return z.string().transform((text, context) => {
		const ms = parseDuration(text);
		if (ms === undefined || (ms < minMs && !(zero && ms === 0))) {
			context.addIssue(`--${flag} must be a duration such as 90s, 30m or 1h (or milliseconds)${minMs > 0 ? `, at least ${minMs / 1000} s` : ''}, got "${text}"`);
			return z.NEVER;
		}

		return ms;
	});
}

function nonEmpty(flag: string) {
	return z.string().refine(text => text.trim() !== '', `--${flag} needs a value`);
}

function httpUrl(flag: string) {
	return nonEmpty(flag).refine(text => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), `--${flag} must be an http:// or https:// URL`);
}

/** Never echo a Redis URL back: it may hold a password. */
function redisUrl(source: string) {
	return z.string().refine(text => URL.canParse(text) && /^rediss?:$/.test(new URL(text).protocol) && new URL(text).hostname !== '', `${source} must be a redis:// or rediss:// URL such as redis://:password@host:6379`);
}

const format = z.enum(['text', 'json'], {error: issue => `--format must be text or json, got "${String(issue.input)}"`});

const busFlags = {
	redis: redisUrl('--redis').optional(),
	namespace: nonEmpty('namespace').refine(text => /^[\w.:-]{1,100}$/.test(text), '--namespace may hold only letters, digits and . _ : - (at most 100)').optional(),
};

export const providerFlagsSchema = z.object({
	...busFlags,
	format: format.optional(),
	tors: wholeNumber('tors', 1, 100).default(3),
	host: nonEmpty('host').default('127.0.0.1'),
	advertiseHost: nonEmpty('advertise-host').optional(),
	basePort: wholeNumber('base-port', 1, 65_535).optional(),
	socksPort: wholeNumber('socks-port', 1, 65_535).optional(),
	httpPort: wholeNumber('http-port', 1, 65_535).optional(),
	fresh: z.boolean().default(false),
	torrc: nonEmpty('torrc').refine(file => existsSync(file), '--torrc: no such file').optional(),
	tor: nonEmpty('tor').optional(),
	leaseTtl: duration('lease-ttl', 1000).optional(),
	ipCheckUrl: httpUrl('ip-check-url').optional(),
	testnet: z.boolean().default(false),
	joinTestnet: httpUrl('join-testnet').optional(),
	exits: wholeNumber('exits', 1, 253).optional(),
	backend: z.enum(['tor', 'memory'], {error: '--backend must be tor or memory'}).default('tor'),
}).superRefine((flags, context) => {
	if (flags.exits !== undefined && !flags.testnet) {
		context.addIssue('--exits only applies with --testnet');
	}

	if (flags.testnet && flags.torrc !== undefined) {
		context.addIssue('--torrc cannot be combined with --testnet (the private network brings its own torrc)');
	}

	if (flags.testnet && flags.ipCheckUrl !== undefined) {
		context.addIssue('--ip-check-url cannot be combined with --testnet (the private network brings its own)');
	}

	if (flags.socksPort !== undefined && flags.socksPort === flags.httpPort) {
		context.addIssue('--socks-port and --http-port must differ');
	}

	if (flags.testnet && flags.backend === 'memory') {
		context.addIssue('--testnet needs the Tor backend');
	}

	if (flags.joinTestnet !== undefined && (flags.testnet || flags.torrc !== undefined || flags.ipCheckUrl !== undefined || flags.backend === 'memory')) {
		context.addIssue('--join-testnet cannot be combined with --testnet, --torrc, --ip-check-url or --backend memory (the joined network brings its own torrc and check URL)');
	}
});

export const clientFlagsSchema = z.object({
	...busFlags,
	format: format.optional(),
	count: wholeNumber('count', 1, 1000).default(1),
	http: z.boolean().default(false),
	timeout: duration('timeout', 0, {zero: true}).optional(),
});

export const runFlagsSchema = z.object({
	...busFlags,
	count: wholeNumber('count', 1, 1000).default(1),
	timeout: duration('timeout', 0, {zero: true}).default(60_000),
});

export const testnetFlagsSchema = z.object({
	format: format.optional(),
	exits: wholeNumber('exits', 1, 253).default(4),
	tor: nonEmpty('tor').optional(),
	host: z.string().refine(text => net.isIPv4(text), '--host must be an IPv4 address of this machine, such as 10.0.0.5').default('127.0.0.1'),
});

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function portRange(flag: string) {
	return z.string().transform((text, context) => {
		const match = /^(\d+)-(\d+)$/.exec(text.trim());
		const first = Number(match?.[1]);
		const last = Number(match?.[2]);
		if (!match || first < 1 || last > 65_535 || last < first || last - first >= 1000) {
			context.addIssue(`--${flag} must be a range of at most 1000 ports such as 24000-24099, got "${text}"`);
			return z.NEVER;
		}

		return {first, last};
	});
}

export const gatewayFlagsSchema = z.object({
	...busFlags,
	format: format.optional(),
	host: nonEmpty('host').default('127.0.0.1'),
	port: wholeNumber('port', 0, 65_535).default(8118),
	socksPort: wholeNumber('socks-port', 0, 65_535).default(1080),
	apiPort: wholeNumber('api-port', 0, 65_535).default(8119),
	sessionPorts: portRange('session-ports').optional(),
	sessionIdle: duration('session-idle', 1000).default(10 * 60_000),
	defaultSession: z.enum(defaultSessionPolicies, {error: issue => `--default-session must be fresh, shared, per-client or none, got "${String(issue.input)}"`}).default('fresh'),
	warm: wholeNumber('warm', 0, 100).default(0),
	leaseTimeout: duration('lease-timeout', 1000).default(30_000),
	token: nonEmpty('token').optional(),
}).superRefine((flags, context) => {
	if (!loopbackHosts.has(flags.host) && flags.token === undefined) {
		context.addIssue(`--host ${flags.host} is beyond loopback: pass --token SECRET (the proxy password and the API's bearer token), so nobody else can use your leases`);
	}

	// Port 0 asks for a free port: it never collides.
	const fixed = ([['--port', flags.port], ['--socks-port', flags.socksPort], ['--api-port', flags.apiPort]] as const).filter(([, port]) => port !== 0);
	const clash = fixed.find(([, port], index) => fixed.findIndex(([, other]) => other === port) !== index);
	if (clash) {
		context.addIssue(`${fixed.filter(([, port]) => port === clash[1]).map(([flag]) => flag).join(' and ')} are both ${clash[1]}: give each its own port`);
	}

	const range = flags.sessionPorts;
	const inRange = range && fixed.find(([, port]) => port >= range.first && port <= range.last);
	if (inRange) {
		context.addIssue(`${inRange[0]} ${inRange[1]} is inside --session-ports ${range.first}-${range.last}: give it a port outside that range`);
	}
});

export type GatewayFlags = z.infer<typeof gatewayFlagsSchema>;
export type ProviderFlags = z.infer<typeof providerFlagsSchema>;
export type ClientFlags = z.infer<typeof clientFlagsSchema>;
export type RunFlags = z.infer<typeof runFlagsSchema>;
export type TestnetFlags = z.infer<typeof testnetFlagsSchema>;

/** `--redis`, else REDIS_URL, else the local default; a bad REDIS_URL is a usage error too. */
export const redisSourceSchema = z.object({
	flag: z.string().optional(),
	env: z.string().optional(),
}).transform(({flag, env}, context) => {
	if (flag !== undefined) {
		return {url: flag, named: true};
	}

	if (env !== undefined && env !== '') {
		const parsed = redisUrl('REDIS_URL').safeParse(env);
		if (!parsed.success) {
			context.addIssue(parsed.error.issues[0]?.message ?? 'REDIS_URL is not a Redis URL');
			return z.NEVER;
		}

		return {url: env, named: true};
	}

	return {url: defaultRedisUrl, named: false};
});
