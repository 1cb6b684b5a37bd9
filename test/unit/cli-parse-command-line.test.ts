import {describe, expect, it} from 'vitest';
import {parseCommandLine, type ParsedArgs} from '../../source/cli/parse-command-line.js';
import {UsageError} from '../../source/cli/usage-error.js';

/** What meow would hand over for these arguments (positional input, camelCase flags). */
function parsed(input: string[], flags: Record<string, unknown> = {}): ParsedArgs {
	return {input, flags: {help: false, version: false, fresh: false, testnet: false, http: false, ...flags}};
}

function usageMessage(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		if (error instanceof UsageError) {
			return error.message;
		}

		throw error;
	}

	throw new Error('expected a UsageError');
}

describe('parseCommandLine', () => {
	it('gives the provider its defaults and the local Redis, not named', () => {
		const invocation = parseCommandLine(['provider'], parsed(['provider']), {});
		expect(invocation).toMatchObject({command: 'provider', flags: {tors: 3, host: '127.0.0.1', backend: 'tor', fresh: false, testnet: false}, redis: {url: 'redis://127.0.0.1:6379', named: false}});
	});

	it('reads provider values: numbers, durations, URLs', () => {
		const argv = ['provider', '--tors', '5', '--lease-ttl', '90s', '--base-port', '9050', '--ip-check-url', 'http://127.0.0.1:8080/', '--redis', 'redis://:pw@10.0.0.2:6380'];
		const invocation = parseCommandLine(argv, parsed(['provider'], {tors: '5', leaseTtl: '90s', basePort: '9050', ipCheckUrl: 'http://127.0.0.1:8080/', redis: 'redis://:pw@10.0.0.2:6380'}), {});
		expect(invocation).toMatchObject({command: 'provider', flags: {tors: 5, leaseTtl: 90_000, basePort: 9050}, redis: {url: 'redis://:pw@10.0.0.2:6380', named: true}});
	});

	it('takes REDIS_URL when --redis is not given', () => {
		const invocation = parseCommandLine(['client'], parsed(['client']), {REDIS_URL: 'rediss://:pw@redis.example.com:6380'});
		expect(invocation).toMatchObject({command: 'client', flags: {count: 1, http: false}, redis: {url: 'rediss://:pw@redis.example.com:6380', named: true}});
	});

	it('rejects a bad REDIS_URL without echoing it', () => {
		const message = usageMessage(() => parseCommandLine(['client'], parsed(['client']), {REDIS_URL: 'http://:hunter2@x'}));
		expect(message).toContain('REDIS_URL');
		expect(message).not.toContain('hunter2');
	});

	it('gives run the words after -- and a 60 s timeout', () => {
		const argv = ['run', '--count', '2', '--', 'curl', '-s', '--max-time', '5', 'https://example.com'];
		const invocation = parseCommandLine(argv, parsed(['run'], {count: '2'}), {});
		expect(invocation).toMatchObject({command: 'run', flags: {count: 2, timeout: 60_000}, argv: ['curl', '-s', '--max-time', '5', 'https://example.com']});
	});

	it.each([
		[['client', '--foo'], {foo: true}, 'unknown flag --foo'],
		[['client', '-x'], {x: true}, 'unknown flag -x'],
		[['client', '--tors', '3'], {tors: '3'}, '--tors is not a flag of "nightcrawler client"'],
		[['client', '--count', 'abc'], {count: 'abc'}, '--count must be a whole number from 1 to 1000, got "abc"'],
		[['client', '--format', 'xml'], {format: 'xml'}, '--format must be text or json, got "xml"'],
		[['client', '--timeout', 'soon'], {timeout: 'soon'}, '--timeout must be a duration'],
		[['provider', '--lease-ttl', '500'], {leaseTtl: '500'}, 'at least 1 s'],
		[['provider', '--exits', '2'], {exits: '2'}, '--exits only applies with --testnet'],
		[['provider', '--testnet', '--backend', 'memory'], {testnet: true, backend: 'memory'}, '--testnet needs the Tor backend'],
		[['provider', '--ip-check-url', 'ftp://x'], {ipCheckUrl: 'ftp://x'}, '--ip-check-url must be an http:// or https:// URL'],
	])('rejects %j in one line', (argv, flags, expected) => {
		const message = usageMessage(() => parseCommandLine(argv, parsed([argv[0]!], flags), {}));
		expect(message).toContain(expected);
		expect(message).not.toContain('\n');
	});

	it('rejects --redis that is not a Redis URL without echoing it', () => {
		const message = usageMessage(() => parseCommandLine(['client', '--redis', 'http://:hunter2@x'], parsed(['client'], {redis: 'http://:hunter2@x'}), {}));
		expect(message).toContain('--redis must be a redis:// or rediss:// URL');
		expect(message).not.toContain('hunter2');
	});

	it('asks for -- before the command of run', () => {
		expect(usageMessage(() => parseCommandLine(['run', 'curl'], parsed(['run', 'curl']), {}))).toContain('put -- before the command');
		expect(usageMessage(() => parseCommandLine(['run', '--'], parsed(['run']), {}))).toContain('run needs a command after --');
	});

	it('names an unknown command, and shows help for none', () => {
		expect(usageMessage(() => parseCommandLine(['serve'], parsed(['serve']), {}))).toContain('unknown command "serve"');
		expect(parseCommandLine([], parsed([]), {})).toEqual({command: 'help', exitCode: 2});
		expect(parseCommandLine(['client', '--help'], parsed(['client'], {help: true}), {})).toEqual({command: 'help', exitCode: 0});
	});
});
