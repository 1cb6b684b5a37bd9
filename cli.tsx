#!/usr/bin/env node
import meow from 'meow';
import {meowFlags} from './source/cli/cli-flags.js';
import {helpText} from './source/cli/help-text.js';
import {parseCommandLine, type Invocation} from './source/cli/parse-command-line.js';
import {Shutdown} from './source/cli/shutdown.js';
import {UsageError} from './source/cli/usage-error.js';

const argv = process.argv.slice(2);
const shutdown = new Shutdown();

function readCommandLine(): {invocation: Invocation; help: string; version: string} {
	const separator = argv.indexOf('--');
	try {
		const cli = meow(helpText, {
			importMeta: import.meta,
			argv: separator === -1 ? argv : argv.slice(0, separator),
			flags: meowFlags,
			// Unknown flags are rejected by parseCommandLine, in one line that names the flag.
			allowUnknownFlags: true,
		});
		return {invocation: parseCommandLine(argv, cli, process.env), help: cli.help, version: cli.pkg.version ?? ''};
	} catch (error) {
		// meow throws plain errors for a flag given twice.
		const message = error instanceof Error ? error.message : String(error);
		throw error instanceof UsageError ? error : new UsageError(message.replace(/^The flag (\S+) can only be set once\.?$/, '$1 can only be given once'));
	}
}

/** Parse, then load only the command asked for (help and bad flags answer without loading Ink or Redis). */
async function main(): Promise<void> {
	const {invocation, help, version} = readCommandLine();
	switch (invocation.command) {
		case 'help': {
			(invocation.exitCode === 0 ? process.stdout : process.stderr).write(`${help}\n`);
			process.exitCode = invocation.exitCode;
			return;
		}

		case 'version': {
			process.stdout.write(`${version}\n`);
			return;
		}

		case 'testnet': {
			// It handles SIGINT, SIGTERM and SIGHUP itself and stops its network itself. A crash (an
			// uncaught exception, EPIPE on stderr) is reported in one line and aborts it through
			// shutdown.signal; the shutdown waits until the network is stopped, and exits 1.
			shutdown.listenForCrashes();
			const {runTestnetCommand} = await import('./source/commands/testnet.js');
			const {exits, tor, format, host} = invocation.flags;
			const running = runTestnetCommand({exits, host, torPath: tor, json: format === 'json', stdout: process.stdout, stderr: process.stderr, signal: shutdown.signal});
			// A rejection is main's to report: the step only waits.
			shutdown.defer('the private Tor network', async () => running.catch(() => undefined), {timeoutMs: 60_000});
			await shutdown.shutdown('done', await running);
			return;
		}

		case 'provider': {
			shutdown.listen();
			const {runProviderCommand} = await import('./source/commands/provider.js');
			await runProviderCommand({flags: invocation.flags, redis: invocation.redis, shutdown});
			return;
		}

		case 'client': {
			shutdown.listen();
			const {runClientCommand} = await import('./source/commands/client.js');
			await runClientCommand({flags: invocation.flags, redis: invocation.redis, shutdown});
			return;
		}

		case 'gateway': {
			shutdown.listen();
			const {runGatewayCommand} = await import('./source/commands/gateway.js');
			await runGatewayCommand({flags: invocation.flags, redis: invocation.redis, shutdown});
			return;
		}

		case 'run': {
			shutdown.listen();
			const {runRunCommand} = await import('./source/commands/run.js');
			await runRunCommand({flags: invocation.flags, redis: invocation.redis, command: invocation.argv, shutdown});
		}
	}
}

// Not a top-level await: a command's promise may stay pending while the shutdown path ends things.
main().then(undefined, async (error: unknown) => shutdown.fail(error));
