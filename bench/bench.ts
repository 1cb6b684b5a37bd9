import {parseArgs} from 'node:util';
import {startRedisServer} from '../source/redis/redis-server.js';
import {leaseBench, pingP50} from './lease-bench.js';
import {torBench} from './tor-bench.js';

const {values} = parseArgs({
	options: {
		clients: {type: 'string', default: '100'},
		idle: {type: 'string', default: '500'},
		rounds: {type: 'string', default: '20'},
		tors: {type: 'string', default: '5'},
		rotations: {type: 'string', default: '30'},
		'skip-tor': {type: 'boolean', default: false},
	},
	strict: true,
});

function positive(name: string, text: string): number {
	const value = Number(text);
	if (!Number.isInteger(value) || value < 0) {
		process.stderr.write(`bench: --${name} must be a whole number, got "${text}"\n`);
		process.exit(2);
	}

	return value;
}

const clients = Math.max(1, positive('clients', values.clients));
const idle = positive('idle', values.idle);
const rounds = Math.max(1, positive('rounds', values.rounds));
const tors = Math.max(1, positive('tors', values.tors));
const rotations = Math.max(1, positive('rotations', values.rotations));
const log = (line: string) => process.stdout.write(`${line}\n`);

const redis = await startRedisServer();
try {
	log(`redis-server on ${redis.url}`);
	const redisPingP50Ms = await pingP50(redis.url);
	log(`Redis PING round trip p50: ${redisPingP50Ms} ms`);
	const plain = await leaseBench({url: redis.url, clients, idle: 0, rounds});
	log(`${clients} concurrent clients, ${plain.leases} leases: p50 ${plain.leaseP50Ms} ms, p99 ${plain.leaseP99Ms} ms, ${plain.messagesPerLease} Redis messages delivered per lease`);
	const crowded = await leaseBench({url: redis.url, clients, idle, rounds});
	log(`same with ${idle} idle clients on the bus: p50 ${crowded.leaseP50Ms} ms, p99 ${crowded.leaseP99Ms} ms, ${crowded.messagesPerLease} messages per lease`);
	const tor = values['skip-tor'] ? {} : await torBench({redisUrl: redis.url, tors, rotations, log});
	log(JSON.stringify({
		clients,
		idleClients: idle,
		leases: plain.leases,
		leaseP50Ms: plain.leaseP50Ms,
		leaseP99Ms: plain.leaseP99Ms,
		redisPingP50Ms,
		messagesPerLease: plain.messagesPerLease,
		leaseP50MsWithIdle: crowded.leaseP50Ms,
		leaseP99MsWithIdle: crowded.leaseP99Ms,
		messagesPerLeaseWithIdle: crowded.messagesPerLease,
		...tor,
	}));
} finally {
	await redis.stop();
}
