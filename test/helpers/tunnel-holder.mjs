// A client process over the built library (`npm run build` first) for the e2e tests: it leases one
// proxy, opens a SOCKS5 tunnel through the provider's front to the testnet's echo server and keeps it
// open, and reports on stdout as JSON lines. Each `check` line on stdin makes it try its lease's
// credentials again through the front. It ends when stdin ends (or on SIGTERM).
// Usage: node tunnel-holder.mjs <redis URL> <namespace> <checkHostUrl>
import net from 'node:net';
import {once} from 'node:events';
import {createInterface} from 'node:readline';
import {Client} from '../../dist/source/index.js';
import {socks5Handshake} from '../../dist/source/util/socks5-handshake.js';
import {httpGetViaSocks} from '../../dist/source/util/socks-fetch.js';

const [redis, namespace, checkHostUrl] = process.argv.slice(2);
const say = event => {
	process.stdout.write(`${JSON.stringify({...event, at: Date.now()})}\n`);
};

const client = new Client({redis, namespace, timings: {requestIntervalMs: 250}});
client.on('proxy-end', (_proxy, reason) => say({event: 'proxy-end', reason}));
client.on('proxy-error', error => say({event: 'proxy-error', message: error.message}));
await client.start();
const proxy = await client.getProxy({timeoutMs: 60_000});
const target = new URL(checkHostUrl);
const tunnel = net.connect({host: proxy.host, port: proxy.port});
tunnel.on('error', error => say({event: 'tunnel-error', message: error.message}));
tunnel.once('close', () => say({event: 'tunnel-closed'}));
await once(tunnel, 'connect');
await socks5Handshake(tunnel, {host: target.hostname, port: Number(target.port), ...proxy.credentials});
say({event: 'holding', leaseId: proxy.leaseId, proxyId: proxy.proxyId, exitIp: proxy.exitIp, credentials: proxy.credentials});

for await (const line of createInterface({input: process.stdin})) {
	if (line === 'check') {
		try {
			const response = await httpGetViaSocks({socksHost: proxy.host, socksPort: proxy.port, url: checkHostUrl, ...proxy.credentials, timeoutMs: 15_000});
			say({event: 'check', socks: 'through', body: response.body});
		} catch (error) {
			say({event: 'check', socks: 'refused', error: `${error.name}: ${error.message}`});
		}
	}
}

tunnel.destroy();
await client.close();
