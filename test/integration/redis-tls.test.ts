import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {Client} from '../../source/core/client.js';
import {Provider} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {startRedisServer, type RedisServer} from '../../source/redis/redis-server.js';
import {freePort} from '../../source/util/free-port.js';
import {Cleanups} from '../helpers/cleanups.js';
import {runCli, startCli, stopAllClis} from '../helpers/cli.js';
import {testNamespace} from '../helpers/redis.js';
import {testCertificate} from '../helpers/test-certificate.js';

describe('Redis over TLS (rediss://)', () => {
	let redis: RedisServer;
	let directory: string;
	let certFile: string;
	let tlsPort: number;
	const cleanups = new Cleanups();

	beforeAll(async () => {
		directory = await fs.mkdtemp(path.join(os.tmpdir(), 'nightcrawler-tls-'));
		certFile = path.join(directory, 'cert.pem');
		const keyFile = path.join(directory, 'key.pem');
		await fs.writeFile(certFile, testCertificate.cert);
		await fs.writeFile(keyFile, testCertificate.key, {mode: 0o600});
		tlsPort = await freePort();
		// The plain port is there for the readiness check only; everything below uses the TLS one.
		redis = await startRedisServer({extraArgs: ['--tls-port', String(tlsPort), '--tls-cert-file', certFile, '--tls-key-file', keyFile, '--tls-ca-cert-file', certFile, '--tls-auth-clients', 'no']});
	});

	afterAll(async () => {
		await redis?.stop();
		await fs.rm(directory, {recursive: true, force: true});
	});

	afterEach(async () => {
		await stopAllClis();
		await cleanups.run({concurrent: true});
	});

	it('library: a provider and a client lease over TLS with ioredis options', async () => {
		const namespace = testNamespace();
		const target = {host: '127.0.0.1', port: tlsPort, tls: {ca: testCertificate.cert}};
		const provider = new Provider({redis: target, namespace, backend: new MemoryBackend({count: 1})});
		cleanups.add(async () => provider.stop());
		await provider.connect();
		await provider.createCluster();
		provider.startProviding();
		const client = new Client({redis: target, namespace});
		cleanups.add(async () => client.close());
		await client.connect();
		const proxy = await client.getProxy({timeoutMs: 10_000});
		expect(proxy.clusterId).toBe(provider.id);
		expect(provider.leases()).toMatchObject([{leaseId: proxy.leaseId}]);
	});

	it('CLI: provider and client take a rediss:// URL, trusting the server through NODE_EXTRA_CA_CERTS', async () => {
		const bus = ['--redis', `rediss://127.0.0.1:${tlsPort}`, '--namespace', testNamespace()];
		const env = {NODE_EXTRA_CA_CERTS: certFile};
		const provider = startCli(['provider', '--backend', 'memory', '--tors', '1', '--format', 'json', ...bus], {env});
		await provider.stdout.waitForLine(line => line.startsWith('{"event":"instance-ready"'));
		const client = startCli(['client', '--count', '1', ...bus], {env});
		const [url] = await client.stdout.waitForLines(line => line !== '');
		expect(url).toMatch(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.1:\d+$/);
	});

	it('CLI: an untrusted certificate is one line and exit code 1', async () => {
		const result = await runCli(['client', '--count', '1', '--redis', `rediss://127.0.0.1:${tlsPort}`], {env: {NODE_EXTRA_CA_CERTS: undefined}});
		expect(result.exitCode).toBe(1);
		const stderr = String(result.stderr).trim();
		expect(stderr.split('\n')).toHaveLength(1);
		expect(stderr).toMatch(new RegExp(`^nightcrawler: cannot reach Redis at rediss://127\\.0\\.0\\.1:${tlsPort}.*certificate`));
	});
});
