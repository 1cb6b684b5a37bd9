import {parseArgs} from 'node:util';
import {Fleet} from './fleet.js';
import type {ChaosOptions, ScenarioResult} from './scenario.js';
import {clientKilled, providerKilled, redisPaused, redisRestarted} from './scenarios/faults.js';
import {hostileBus} from './scenarios/hostile.js';
import {churnSoak, manyLeases, messageLoss} from './scenarios/load.js';
import {allKept, formatTable} from './table.js';

const scenarios: Record<string, (options: ChaosOptions) => Promise<ScenarioResult>> = {
	'redis-pause': redisPaused,
	'redis-restart': redisRestarted,
	'provider-kill': providerKilled,
	'client-kill': clientKilled,
	'message-loss': messageLoss,
	hostile: hostileBus,
	'many-leases': manyLeases,
	soak: churnSoak,
};

const help = `Usage: npm run chaos -- [options]

Runs each scenario against its own redis-server, provider and client processes on loopback (the
built library, memory pools), then prints a table: clients served, double leases, proxies lost,
crashes, recovery time, CPU and memory. Exit code 1 if any promise was broken.

Options:
  --only a,b          scenarios to run (default all): ${Object.keys(scenarios).join(', ')}
  --soak-minutes N    length of the churn soak (default 10)
  --hostile N         hostile messages (default 100000)
  --leases N          leases held on one provider (default 1000)
  --scale X           scale of the fixed waits of the other scenarios (default 1)
`;

const {values} = parseArgs({
	options: {
		only: {type: 'string'},
		'soak-minutes': {type: 'string', default: '10'},
		hostile: {type: 'string', default: '100000'},
		leases: {type: 'string', default: '1000'},
		scale: {type: 'string', default: '1'},
		help: {type: 'boolean'},
	},
});

if (values.help) {
	process.stdout.write(help);
} else {
	const only = values.only?.split(',').map(name => name.trim()) ?? Object.keys(scenarios);
	const unknown = only.filter(name => !(name in scenarios));
	const options: ChaosOptions = {soakMs: Number(values['soak-minutes']) * 60_000, hostileMessages: Number(values.hostile), manyLeases: Number(values.leases), scale: Number(values.scale)};
	if (unknown.length > 0 || Object.values(options).some(value => !Number.isFinite(value) || value < 0)) {
		process.stderr.write(`chaos: unknown scenario or bad number: ${unknown.join(', ') || JSON.stringify(values)}\n${help}`);
		process.exitCode = 2;
	} else {
		let interrupted = false;
		const interrupt = (signal: NodeJS.Signals) => {
			if (interrupted) {
				return;
			}

			interrupted = true;
			process.stderr.write(`chaos: ${signal}: stopping everything started\n`);
			void Promise.allSettled([...Fleet.running].map(async fleet => fleet.stopAll())).then(() => {
				process.exit(130);
			});
		};

		process.on('SIGINT', interrupt);
		process.on('SIGTERM', interrupt);
		const results: ScenarioResult[] = [];
		for (const name of only) {
			process.stderr.write(`chaos: ${name}...\n`);
			// eslint-disable-next-line no-await-in-loop
			const result = await scenarios[name]!(options);
			results.push(result);
			process.stderr.write(`chaos: ${name}: served ${result.served}, double ${result.doubleLeases}, lost ${result.proxiesLost}, crashes ${result.crashes} in ${Math.round(result.durationMs / 1000)} s\n`);
		}

		process.stdout.write(`${formatTable(results)}\n`);
		process.stdout.write(`${JSON.stringify({results})}\n`);
		process.exitCode = allKept(results) ? 0 : 1;
	}
}
