import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterEach, describe, expect, it} from 'vitest';
import {isAlive} from '../helpers/cli.js';
import {LineReader} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait-for.js';

/** The built chaos runner (npm run build first), as `npm run chaos` runs it. */
const chaosPath = fileURLToPath(new URL('../../dist/chaos/chaos.js', import.meta.url));

type Result = {name: string; served: number; doubleLeases: number; proxiesLost: number; crashes: number; recoveryMs?: number};

/** The pids the runner says it started (`chaos: started NAME pid N`). */
function startedPids(stderr: string): number[] {
	return [...stderr.matchAll(/^chaos: started \S+ pid (\d+)$/gm)].map(match => Number(match[1]));
}

const leftovers: number[] = [];
afterEach(() => {
	for (const pid of leftovers.splice(0)) {
		if (isAlive(pid)) {
			process.kill(pid, 'SIGKILL');
		}
	}
});

describe('npm run chaos', () => {
	it('runs a short client-kill and soak, prints the table, and leaves no process behind', async () => {
		const run = await execa(process.execPath, [chaosPath, '--only', 'client-kill,soak', '--soak-minutes', '0.1', '--scale', '0.3'], {reject: false, timeout: 100_000});
		const pids = startedPids(run.stderr);
		leftovers.push(...pids);
		expect(run.exitCode, run.stderr).toBe(0);
		// A redis-server and two clients and a provider for the kill; a redis-server, two providers and four clients for the soak.
		expect(pids).toHaveLength(4 + 7);
		const lines = run.stdout.trim().split('\n');
		expect(lines[0]).toBe('| scenario | clients served | double leases | proxies lost | crashes | recovery | CPU (one core) | peak RSS (all) | took |');
		expect(lines[2]).toMatch(/^\| client SIGKILL \| [1-9]\d* \| 0 \| 0 \| 0 | \d+\.\d s \| \d+% \| \d+ MB \| \d+ s \|$/);
		expect(lines[3]).toMatch(/^\| churn soak 6 s \| [1-9]\d* \| 0 \| 0 \| 0 \| — \|/);
		const {results} = JSON.parse(lines.at(-1)!) as {results: Result[]};
		expect(results.map(result => result.name)).toEqual(['client SIGKILL', 'churn soak 6 s']);
		// The waiting client got the killed one's proxies back once their heartbeats stopped (5 s).
		expect(results[0]!.recoveryMs).toBeGreaterThan(3000);
		expect(results[0]!.recoveryMs).toBeLessThan(30_000);
		for (const pid of pids) {
			expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
		}
	}, 120_000);

	it('stops every process it started when it is interrupted mid-scenario', async () => {
		const run = execa(process.execPath, [chaosPath, '--only', 'provider-kill'], {reject: false, timeout: 100_000});
		const stderr = new LineReader(run.stderr);
		// The whole cast is up: a redis-server, two providers, three clients.
		await stderr.waitForLines(line => line.startsWith('chaos: started '), {count: 6, timeoutMs: 60_000});
		const pids = startedPids(stderr.text);
		leftovers.push(...pids);
		run.kill('SIGTERM');
		const result = await run;
		expect(result.exitCode).toBe(130);
		await waitFor(() => pids.every(pid => !isAlive(pid)), {timeoutMs: 20_000, message: `every started process (${pids.join(', ')}) to be gone`});
	}, 120_000);
});
