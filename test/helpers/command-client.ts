import {fileURLToPath} from 'node:url';
import type {CliProcess} from './cli.js';
import {startNodeOn} from './host-cli.js';
import type {Host} from './hosts.js';

const fixturePath = fileURLToPath(new URL('../fixtures/cloud/command-client.mjs', import.meta.url));

/** A leased proxy as the command client describes it (`ClientProxy.toJSON()` and a few more fields). */
export type CommandProxy = {url: string; httpUrl?: string; exitIp?: string; sharedExit: boolean; provider: string; leaseId: string; proxyId: string};
type Answer = {id: number; ok: boolean; proxy?: CommandProxy; error?: string};

export type CommandClient = {
	readonly cli: CliProcess;
	/** `client.getProxy()` on the host. */
	lease(): Promise<CommandProxy>;
	rotate(leaseId: string): Promise<CommandProxy>;
	report(leaseId: string, kind: 'blocked' | 'captcha' | 'rate-limited'): Promise<CommandProxy>;
	destroy(leaseId: string): Promise<void>;
};

/**
 * A client on a test host (the built library; build first) that leases, rotates, reports and
 * destroys when told, one command at a time or several at once, each answered within `timeoutMs`.
 * Stop it with `cli.stop()` (SIGTERM gives the leases back); the hosts' teardown stops it otherwise.
 */
export async function startCommandClientOn(host: Host, redisUrl: string, namespace: string, {timeoutMs = 90_000} = {}): Promise<CommandClient> {
	const cli = startNodeOn(host, fixturePath, [redisUrl, namespace], {stdin: 'pipe'});
	let nextId = 0;
	const send = async (command: {op: string; leaseId?: string; kind?: string}): Promise<CommandProxy | undefined> => {
		const id = nextId++;
		cli.subprocess.stdin?.write(`${JSON.stringify({id, ...command})}\n`);
		const line = await cli.stdout.waitForLine(line => line.startsWith(`{"id":${id},`), {timeoutMs}).catch((error: unknown) => {
			throw new Error(`${command.op}: no answer; stderr:\n${cli.stderr.text}`, {cause: error});
		});
		const answer = JSON.parse(line) as Answer;
		if (!answer.ok) {
			throw new Error(`${command.op} ${command.leaseId ?? ''} failed: ${answer.error ?? ''}`);
		}

		return answer.proxy;
	};

	const proxy = async (command: {op: string; leaseId?: string; kind?: string}): Promise<CommandProxy> => {
		const answer = await send(command);
		if (!answer) {
			throw new Error(`${command.op}: answered without a proxy`);
		}

		return answer;
	};

	await cli.stdout.waitForLine(line => line.startsWith('{"event":"started"'), {timeoutMs}).catch(async (error: unknown) => {
		await cli.stop('SIGKILL');
		throw new Error(`the command client did not start; stderr:\n${cli.stderr.text}`, {cause: error});
	});
	return {
		cli,
		lease: async () => proxy({op: 'lease'}),
		rotate: async leaseId => proxy({op: 'rotate', leaseId}),
		report: async (leaseId, kind) => proxy({op: 'report', leaseId, kind}),
		async destroy(leaseId) {
			await send({op: 'destroy', leaseId});
		},
	};
}
