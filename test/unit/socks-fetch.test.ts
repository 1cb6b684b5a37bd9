import {afterEach, describe, expect, test} from 'vitest';
import {FetchTimeoutError} from '../../source/util/errors/fetch-timeout-error.js';
import {HttpResponseError} from '../../source/util/errors/http-response-error.js';
import {SocksError} from '../../source/util/errors/socks-error.js';
import {httpGetViaSocks} from '../../source/util/socks-fetch.js';
import {startRawHttpTestServer} from '../helpers/raw-http-test-server.js';
import {startSocks5TestServer} from '../helpers/socks5-test-server.js';
import {testCertificate} from '../helpers/test-certificate.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	await Promise.all(cleanups.splice(0).map(async cleanup => cleanup()));
});

async function setup(options: Parameters<typeof startSocks5TestServer>[0] = {}, tls = false) {
	const socks = await startSocks5TestServer(options);
	cleanups.push(socks.close);
	const http = await startRawHttpTestServer({tls});
	cleanups.push(http.close);
	return {socks, http, socksHost: '127.0.0.1', socksPort: socks.port, timeoutMs: 5000};
}

describe('httpGetViaSocks', () => {
	test('sends a hostname unresolved (ATYP 0x03) and reads a Content-Length body', async () => {
		const {socks, http, ...proxy} = await setup();
		const response = await httpGetViaSocks({...proxy, url: `http://localhost:${http.port}/length`});
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toBe('application/json');
		expect(JSON.parse(response.body)).toEqual({IsTor: true, IP: '127.0.0.9'});
		expect(socks.requests).toEqual([{addressType: 3, host: 'localhost', port: http.port, username: undefined, password: undefined}]);
		expect(http.requests[0]).toMatch(/^GET \/length HTTP\/1\.1\r\n/);
		expect(http.requests[0]).toContain(`\r\nHost: localhost:${http.port}\r\n`);
		expect(http.requests[0]).toContain('\r\nConnection: close\r\n');
	});

	test('sends IPv4 literals as ATYP 0x01 and IPv6 literals as ATYP 0x04', async () => {
		const {socks, http, ...proxy} = await setup();
		await httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/`});
		const response = await httpGetViaSocks({...proxy, url: `http://[::ffff:127.0.0.1]:${http.port}/?q=1`});
		expect(response.body).toBe('root');
		expect(socks.requests.map(({addressType, host}) => ({addressType, host}))).toEqual([
			{addressType: 1, host: '127.0.0.1'},
			{addressType: 4, host: '0:0:0:0:0:ffff:7f00:1'},
		]);
		expect(http.requests[1]).toMatch(/^GET \/\?q=1 HTTP\/1\.1\r\nHost: \[::ffff:7f00:1\]:\d+\r\n/);
	});

	test('authenticates with username and password when given', async () => {
		const {socks, http, ...proxy} = await setup({requireAuth: true});
		const response = await httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/length`, username: 'lease-1', password: 'pw'});
		expect(response.status).toBe(200);
		expect(socks.requests[0]).toMatchObject({username: 'lease-1', password: 'pw'});
	});

	test('fails with SocksError when credentials are refused or required', async () => {
		const {http, ...proxy} = await setup({requireAuth: true});
		const url = `http://127.0.0.1:${http.port}/`;
		const refused = httpGetViaSocks({...proxy, url, username: 'u', password: 'wrong'});
		await expect(refused).rejects.toBeInstanceOf(SocksError);
		await expect(refused).rejects.toMatchObject({stage: 'authentication'});
		await expect(httpGetViaSocks({...proxy, url})).rejects.toMatchObject({name: 'SocksError', stage: 'greeting'});
	});

	test('turns a CONNECT reply code into a SocksError carrying the code', async () => {
		const {http, ...proxy} = await setup({replyCode: 0x05});
		const failure = httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/`});
		await expect(failure).rejects.toBeInstanceOf(SocksError);
		await expect(failure).rejects.toMatchObject({replyCode: 0x05, message: expect.stringContaining('connection refused') as string});
	});

	test('decodes a chunked body sent in pieces', async () => {
		const {http, ...proxy} = await setup();
		const response = await httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/chunked`});
		expect(response.body).toBe('hello, wörld');
	});

	test('reads a body without length until the connection closes', async () => {
		const {http, ...proxy} = await setup();
		const response = await httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/close`});
		expect(response.body).toBe('127.0.0.7\n');
	});

	test('skips an interim response and returns non-2xx statuses as they are', async () => {
		const {http, ...proxy} = await setup();
		expect(await httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/interim`})).toMatchObject({status: 201, body: 'ok'});
		expect(await httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/not-found`})).toMatchObject({status: 404, body: 'not found'});
	});

	test('rejects malformed and truncated responses with HttpResponseError', async () => {
		const {http, ...proxy} = await setup();
		await expect(httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/malformed`})).rejects.toBeInstanceOf(HttpResponseError);
		await expect(httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/truncated`})).rejects.toBeInstanceOf(HttpResponseError);
	});

	test('times out with FetchTimeoutError when the proxy never answers', async () => {
		const {http, ...proxy} = await setup({silent: true});
		const started = Date.now();
		const failure = httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/`, timeoutMs: 200});
		await expect(failure).rejects.toBeInstanceOf(FetchTimeoutError);
		expect(Date.now() - started).toBeLessThan(2000);
	});

	test('times out when the server never answers, and stops on abort', async () => {
		const {http, ...proxy} = await setup();
		await expect(httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/hang`, timeoutMs: 200}))
			.rejects.toMatchObject({name: 'FetchTimeoutError', timeoutMs: 200});
		const controller = new AbortController();
		const pending = httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/hang`, signal: controller.signal});
		controller.abort(new Error('no longer needed'));
		await expect(pending).rejects.toThrow('no longer needed');
	});

	test('fails fast when nothing listens on the proxy port', async () => {
		const {socks, http, ...proxy} = await setup();
		await socks.close();
		await expect(httpGetViaSocks({...proxy, url: `http://127.0.0.1:${http.port}/`})).rejects.toMatchObject({code: 'ECONNREFUSED'});
	});

	test('speaks TLS through the tunnel for https:// URLs and checks the certificate', async () => {
		const {http, ...proxy} = await setup({}, true);
		const response = await httpGetViaSocks({...proxy, url: `https://localhost:${http.port}/length`, ca: testCertificate.cert});
		expect(response.status).toBe(200);
		await expect(httpGetViaSocks({...proxy, url: `https://localhost:${http.port}/length`})).rejects.toMatchObject({code: 'DEPTH_ZERO_SELF_SIGNED_CERT'});
	});

	test('refuses URLs that are not http or https', async () => {
		await expect(httpGetViaSocks({socksHost: '127.0.0.1', socksPort: 1, url: 'ftp://127.0.0.1/', timeoutMs: 100})).rejects.toBeInstanceOf(TypeError);
	});
});
