import {afterEach, describe, expect, test} from 'vitest';
import {httpGetViaConnect} from '../../source/util/connect-fetch.js';
import {FetchTimeoutError} from '../../source/util/errors/fetch-timeout-error.js';
import {ProxyConnectError} from '../../source/util/errors/proxy-connect-error.js';
import {startConnectTestServer} from '../helpers/connect-test-server.js';
import {startRawHttpTestServer} from '../helpers/raw-http-test-server.js';
import {testCertificate} from '../helpers/test-certificate.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	await Promise.all(cleanups.splice(0).map(async cleanup => cleanup()));
});

async function setup(options: {requireAuth?: boolean; tls?: boolean} = {}) {
	const proxy = await startConnectTestServer(options);
	cleanups.push(proxy.close);
	const http = await startRawHttpTestServer(options);
	cleanups.push(http.close);
	return {proxy, http, options: {proxyHost: '127.0.0.1', proxyPort: proxy.port, timeoutMs: 5000}};
}

describe('httpGetViaConnect', () => {
	test('tunnels a GET through CONNECT and sends Proxy-Authorization', async () => {
		const {proxy, http, options} = await setup({requireAuth: true});
		const response = await httpGetViaConnect({...options, url: `http://127.0.0.1:${http.port}/chunked`, proxyAuth: {username: 'a', password: 'b'}});
		expect(response).toMatchObject({status: 200, body: 'hello, wörld'});
		expect(proxy.requests).toEqual([{target: `127.0.0.1:${http.port}`, proxyAuthorization: `Basic ${Buffer.from('a:b').toString('base64')}`}]);
	});

	test('brackets IPv6 targets in the CONNECT request', async () => {
		const {proxy, http, options} = await setup();
		const response = await httpGetViaConnect({...options, url: `http://[::ffff:127.0.0.1]:${http.port}/length`});
		expect(response.status).toBe(200);
		expect(proxy.requests[0]?.target).toBe(`[::ffff:7f00:1]:${http.port}`);
	});

	test('fails with ProxyConnectError carrying the status when the proxy refuses', async () => {
		const {http, options} = await setup({requireAuth: true});
		const failure = httpGetViaConnect({...options, url: `http://127.0.0.1:${http.port}/`});
		await expect(failure).rejects.toBeInstanceOf(ProxyConnectError);
		await expect(failure).rejects.toMatchObject({status: 407});
	});

	test('speaks TLS inside the tunnel', async () => {
		const {http, options} = await setup({tls: true});
		const response = await httpGetViaConnect({...options, url: `https://localhost:${http.port}/length`, ca: testCertificate.cert});
		expect(response.status).toBe(200);
	});

	test('times out with FetchTimeoutError', async () => {
		const {http, options} = await setup();
		await expect(httpGetViaConnect({...options, url: `http://127.0.0.1:${http.port}/hang`, timeoutMs: 200})).rejects.toBeInstanceOf(FetchTimeoutError);
	});
});
