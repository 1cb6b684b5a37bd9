import {existsSync} from 'node:fs';
import {z} from 'zod';
import {parseDuration} from './parse-duration.js';

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
});

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
