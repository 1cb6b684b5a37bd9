import type {Host} from './hosts.js';

/*
 * The cluster's exit registry (docs/protocol.md §10) read with `redis-cli` on a test host: the test
 * process itself cannot reach the hosts' addresses.
 */

async function redisCli(host: Host, redisUrl: string, args: readonly string[]): Promise<string[]> {
	const result = await host.run('redis-cli', ['-u', redisUrl, '--raw', ...args], {reject: false, stdin: 'ignore'});
	if (result.exitCode !== 0) {
		throw new Error(`redis-cli ${args.join(' ')}: ${String(result.stderr)}`);
	}

	return String(result.stdout).split('\n').filter(Boolean);
}

/** The exit claims of a namespace (`<ns>:exit:<fp>`): fingerprint → holder (`<providerId>/<instanceId>`). */
export async function exitClaims(host: Host, redisUrl: string, namespace: string): Promise<Map<string, string>> {
	const prefix = `${namespace}:exit:`;
	const keys = await redisCli(host, redisUrl, ['--scan', '--pattern', `${prefix}*`]);
	if (keys.length === 0) {
		return new Map();
	}

	const holders = await redisCli(host, redisUrl, ['mget', ...keys]);
	return new Map(keys.map((key, index) => [key.slice(prefix.length), holders[index] ?? '']));
}

/** The fingerprints the namespace avoids now (`<ns>:exits-avoided`). */
export async function avoidedExits(host: Host, redisUrl: string, namespace: string): Promise<string[]> {
	return redisCli(host, redisUrl, ['zrange', `${namespace}:exits-avoided`, '0', '-1']);
}
