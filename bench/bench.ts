import {parseArgs} from 'node:util';
import {startRedisServer} from '../source/redis/redis-server.js';
import {floorBench} from './floor-bench.js';
import {leaseBench, pingP50} from './lease-bench.js';
import {torBench} from './tor-bench.js';

const {values} = parseArgs({
	options: {
		clients: {type: 'string', default: '100'},
		idle: {type: 'string', default: '500'},
		rounds: {type: 'string', default: '20'},
		warmup: {type: 'string', default: '5'},
		rate: {type: 'string', default: '1000'},
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
const warmup = positive('warmup', values.warmup);
const rate = Math.max(1, positive('rate', values.rate));
const tors = Math.max(1, positive('tors', values.tors));
const rotations = Math.max(1, positive('rotations', values.rotations));
const log = (line: string) => process.stdout.write(`${line}\n`);

const redis = await startRedisServer();
try {
	log(`redis-server on ${redis.url}`);
	const redisPingP50Ms = await pingP50(redis.url);
	log(`Redis PING round trip p50: ${redisPingP50Ms} ms`);
	const plain = await leaseBench({url: redis.url, clients, idle: 0, rounds, warmup, spreadRate: rate});
	log(`${clients} concurrent clients asking at the same instant, ${plain.leases} leases: p50 ${plain.leaseP50Ms} ms, p99 ${plain.leaseP99Ms} ms, ${plain.messagesPerLease} Redis messages delivered per lease`);
	const spread = plain.spread!;
	log(`the same ${clients} clients asking at random moments, ${rate} leases/s asked, ${spread.ratePerSecond} reached, ${spread.leases} leases: p50 ${spread.p50Ms} ms, p99 ${spread.p99Ms} ms`);
	const floor = await floorBench({url: redis.url, clients, rounds, warmup});
	log(`floor (the same four messages with bare ioredis, no nightcrawler code): p50 ${floor.floorP50Ms} ms, p99 ${floor.floorP99Ms} ms`);
	const crowded = await leaseBench({url: redis.url, clients, idle, rounds, warmup});
	log(`same with ${idle} idle clients on the bus: p50 ${crowded.leaseP50Ms} ms, p99 ${crowded.leaseP99Ms} ms, ${crowded.messagesPerLease} messages per lease`);
	const tor = values['skip-tor'] ? {} : await torBench({redisUrl: redis.url, tors, rotations, log});
	log(JSON.stringify({
		clients,
		idleClients: idle,
		leases: plain.leases,
		leaseP50Ms: plain.leaseP50Ms,
		leaseP99Ms: plain.leaseP99Ms,
		...floor,
		spreadRatePerSecond: spread.ratePerSecond,
		leaseP50MsSpread: spread.p50Ms,
		leaseP99MsSpread: spread.p99Ms,
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
