import http from 'node:http';
import {sameSecret} from './gateway-access.js';
import {SessionNotFoundError} from './errors/session-not-found-error.js';
import type {SessionTable} from './session-table.js';

export type ControlApiOptions = {
	readonly table: SessionTable;
	readonly token?: string;
	/** What GET /health answers besides the status. */
	readonly health: () => Record<string, unknown>;
};

type Answer = {status: number; body?: unknown};

/**
 * The gateway's control API, on loopback: GET /health, GET /sessions, POST /sessions/<key>/rotate,
 * POST /sessions/<key>/failure, DELETE /sessions/<key>. With a token, every request needs
 * `Authorization: Bearer <token>`. Answers are JSON.
 */
export function createControlApi({table, token, health}: ControlApiOptions): http.Server {
	const route = async (method: string, path: string): Promise<Answer> => {
		if (method === 'GET' && path === '/health') {
			return {status: 200, body: {status: 'ok', ...health()}};
		}

		if (method === 'GET' && path === '/sessions') {
			const now = Date.now();
			return {status: 200, body: table.list().map(view => ({...view, ageMs: now - view.createdAt}))};
		}

		const match = /^\/sessions\/([^/]+)(?:\/(rotate|failure))?$/.exec(path);
		const key = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
		if (key === undefined) {
			return {status: 404, body: {error: `no such endpoint: ${method} ${path}`}};
		}

		if (method === 'DELETE' && match?.[2] === undefined) {
			return table.drop(key) ? {status: 200, body: {key, dropped: true}} : {status: 404, body: {error: `no session "${key}"`}};
		}

		if (method === 'GET' && match?.[2] === undefined) {
			const view = table.get(key);
			return view ? {status: 200, body: view} : {status: 404, body: {error: `no session "${key}"`}};
		}

		if (method === 'POST' && match?.[2] !== undefined) {
			const cause = match[2] === 'failure' ? 'failure' : 'rotate';
			const change = await table.rotate(key, cause);
			return {status: 200, body: {...change, failures: change.previousExitIp === undefined ? undefined : table.failuresOf(change.previousExitIp)}};
		}

		return {status: 405, body: {error: `${method} is not allowed on ${path}`}};
	};

	return http.createServer((request, response) => {
		const send = ({status, body}: Answer) => {
			response.writeHead(status, {'content-type': 'application/json'});
			response.end(body === undefined ? '' : `${JSON.stringify(body)}\n`);
		};

		request.resume();
		const authorization = request.headers.authorization ?? '';
		if (token !== undefined && !(authorization.startsWith('Bearer ') && sameSecret(authorization.slice(7), token))) {
			response.setHeader('www-authenticate', 'Bearer realm="nightcrawler"');
			send({status: 401, body: {error: 'Authorization: Bearer <token> required'}});
			return;
		}

		let path: string;
		try {
			path = new URL(request.url ?? '/', 'http://gateway').pathname;
		} catch {
			// `GET //` and the like are no URL at all: a bad request, never an exception.
			send({status: 400, body: {error: 'malformed request path'}});
			return;
		}

		route(request.method ?? 'GET', path).then(send, (error: unknown) => {
			send(error instanceof SessionNotFoundError ? {status: 404, body: {error: `no leased session "${error.key}"`}} : {status: 502, body: {error: error instanceof Error ? error.message : String(error)}});
		});
	});
}
