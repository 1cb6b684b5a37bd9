import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterEach, describe, expect, it} from 'vitest';
import {startRedisServer} from '../../source/redis/redis-server.js';
import {RedisServerNotFoundError} from '../../source/redis/redis-server-not-found-error.js';
import {canTieToParent} from '../../source/redis/spawn-tied-to-parent.js';
import {isAlive} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait-for.js';

/** The built module, as the CLI loads it (build first). */
const redisServerModule = fileURLToPath(new URL('../../dist/source/redis/redis-server.js', import.meta.url));

/** The name of a running process's program (Linux). */
function programOf(pid: number): string {
	return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

const leftovers: number[] = [];

describe.skipIf(!(await canTieToParent()))('an embedded redis-server (through setpriv --pdeathsig)', () => {
	afterEach(() => {
		for (const pid of leftovers.splice(0)) {
			if (isAlive(pid)) {
				process.kill(pid, 'SIGKILL');
			}
		}
	});

	it('reports redis-server\'s own pid, and dies when the process that started it is SIGKILLed', async () => {
		const script = `const {startRedisServer} = await import(${JSON.stringify(redisServerModule)}); const server = await startRedisServer(); console.log(server.pid); setInterval(() => {}, 1000);`;
		const parent = execa(process.execPath, ['--input-type=module', '-e', script], {buffer: false, reject: false, stdout: 'pipe', stderr: 'inherit'});
		const pid = await new Promise<number>((resolve, reject) => {
			parent.stdout.once('data', (chunk: Buffer) => {
				resolve(Number(chunk.toString('utf8').trim()));
			});
			parent.once('exit', () => {
				reject(new Error('the parent exited before printing a pid'));
			});
		});
		leftovers.push(pid);
		expect(programOf(pid)).toBe('redis-server');
		parent.kill('SIGKILL');
		await parent;
		await waitFor(() => !isAlive(pid), {timeoutMs: 5000, message: `redis-server ${pid} to die with its parent`});
	});

	it('still says RedisServerNotFoundError for a missing redis-server binary', async () => {
		await expect(startRedisServer({bin: '/nonexistent/redis-server'})).rejects.toBeInstanceOf(RedisServerNotFoundError);
	});

	it('stops like before', async () => {
		const server = await startRedisServer();
		leftovers.push(server.pid!);
		expect(programOf(server.pid!)).toBe('redis-server');
		await server.stop();
		expect(isAlive(server.pid!)).toBe(false);
	});
});

it('says RedisServerNotFoundError for a missing redis-server binary without setpriv too', async () => {
	const result = await execa(process.execPath, ['--input-type=module', '-e', `const {startRedisServer} = await import(${JSON.stringify(redisServerModule)}); await startRedisServer({bin: '/nonexistent/redis-server'}).catch(error => console.log(error.name));`], {env: {PATH: '/nonexistent'}, reject: false});
	expect(result.stdout).toBe('RedisServerNotFoundError');
});
