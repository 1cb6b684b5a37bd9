import {parseArgs} from 'node:util';
import {startRedisServer} from '../source/redis/redis-server.js';
import {comparedBench} from './compared-bench.js';
import {crowdedBench, pingP50} from './lease-bench.js';
import {round} from './stats.js';
import {torBench} from './tor-bench.js';

const usage = `Usage: npm run bench -- [options]   (or node dist/bench/bench.js [options] after a build)

Lease latency against its floor (the same messages with bare ioredis), then Tor pool figures and
the front's cost against going straight to Tor, and the gateway's against the provider's front alone
(on the private Tor network).
Ends with one JSON object on its last line.

Options:
  --clients N    clients leasing at once (default 100)
  --idle N       idle clients on the bus for the crowded run (default 500)
  --rounds N     measured rounds (default 20)
  --warmup N     unmeasured rounds first (default 5)
  --rate N       open-loop leases a second (default 1000)
  --tors N       Tor instances started together (default 5)
  --rotations N  rotations measured (default 30)
  --connects N   front and gateway set-up samples per path (default 200)
  --front-mb N   MB per front and gateway throughput round (default 20)
  --front-connections N  concurrent connections of the second throughput figures (default 50)
  --skip-front   no front or gateway figures
  --skip-tor     lease figures only (no Tor, no front, no gateway)
  --help         this text
`;

const {values} = parseArgs({
	options: {
		clients: {type: 'string', default: '100'},
		idle: {type: 'string', default: '500'},
		rounds: {type: 'string', default: '20'},
		warmup: {type: 'string', default: '5'},
		rate: {type: 'string', default: '1000'},
		tors: {type: 'string', default: '5'},
		rotations: {type: 'string', default: '30'},
		connects: {type: 'string', default: '200'},
		'front-mb': {type: 'string', default: '20'},
		'front-connections': {type: 'string', default: '50'},
		'skip-front': {type: 'boolean', default: false},
		'skip-tor': {type: 'boolean', default: false},
		help: {type: 'boolean', default: false},
	},
	strict: true,
});

if (values.help) {
	process.stdout.write(usage);
	process.exit(0);
}

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
const front = values['skip-front'] ? undefined : {
	connects: Math.max(1, positive('connects', values.connects)),
	megabytes: Math.max(1, positive('front-mb', values['front-mb'])),
	concurrent: Math.max(1, positive('front-connections', values['front-connections'])),
};
const log = (line: string) => process.stdout.write(`${line}\n`);
const times = (ours: number, floor: number) => `${round(ours / floor, 2)}x`;

const redis = await startRedisServer();
try {
	log(`redis-server on ${redis.url}`);
	const redisPingP50Ms = await pingP50(redis.url);
	log(`Redis PING round trip p50: ${redisPingP50Ms} ms`);
	const {leases, burst, burstFloor, messagesPerLease, open, openFloor} = await comparedBench({url: redis.url, clients, rounds, warmup, rate});
	log(`${clients} concurrent clients asking at the same instant, ${leases} leases: p50 ${burst.p50Ms} ms, p99 ${burst.p99Ms} ms, ${messagesPerLease} Redis messages delivered per lease`);
	log(`  floor (the same messages with bare ioredis, no nightcrawler code), rounds in turn with the above: p50 ${burstFloor.p50Ms} ms, p99 ${burstFloor.p99Ms} ms; nightcrawler is ${times(burst.p50Ms, burstFloor.p50Ms)} at p50, ${times(burst.p99Ms, burstFloor.p99Ms)} at p99`);
	log(`the same ${clients} clients asking at random moments, ${rate} leases/s asked, ${open.ratePerSecond} reached, ${open.leases} leases: p50 ${open.p50Ms} ms, p99 ${open.p99Ms} ms`);
	log(`  floor at the same rate (${openFloor.ratePerSecond} reached), blocks in turn with the above: p50 ${openFloor.p50Ms} ms, p99 ${openFloor.p99Ms} ms; nightcrawler is ${times(open.p50Ms, openFloor.p50Ms)} at p50, ${times(open.p99Ms, openFloor.p99Ms)} at p99`);
	const crowded = await crowdedBench({url: redis.url, clients, idle, rounds, warmup});
	log(`same burst with ${idle} idle clients on the bus: p50 ${crowded.leaseP50Ms} ms, p99 ${crowded.leaseP99Ms} ms, ${crowded.messagesPerLease} messages per lease`);
	const tor = values['skip-tor'] ? {} : await torBench({redisUrl: redis.url, tors, rotations, front, log});
	log(JSON.stringify({
		clients,
		idleClients: idle,
		leases,
		leaseP50Ms: burst.p50Ms,
		leaseP99Ms: burst.p99Ms,
		floorP50Ms: burstFloor.p50Ms,
		floorP99Ms: burstFloor.p99Ms,
		spreadRatePerSecond: open.ratePerSecond,
		leaseP50MsSpread: open.p50Ms,
		leaseP99MsSpread: open.p99Ms,
		floorSpreadRatePerSecond: openFloor.ratePerSecond,
		floorP50MsSpread: openFloor.p50Ms,
		floorP99MsSpread: openFloor.p99Ms,
		redisPingP50Ms,
		messagesPerLease,
		leaseP50MsWithIdle: crowded.leaseP50Ms,
		leaseP99MsWithIdle: crowded.leaseP99Ms,
		messagesPerLeaseWithIdle: crowded.messagesPerLease,
		...tor,
	}));
} finally {
	await redis.stop();
}
