import {installGlobalDispatcher, refusingDispatcher} from './refusing-dispatcher.cjs';

export type FetchProxyOutcome = {readonly proxied: true} | {readonly proxied: false; readonly reason: string};

/**
 * Make built-in `fetch` (and anything else on undici's global dispatcher) go through the HTTP proxy
 * the environment names: undici's EnvHttpProxyAgent, built once from the variables as they are now
 * (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, lower-case forms first), so a later change to `process.env`
 * does not turn the proxy off. When that cannot be done (no proxy variable, a scheme other than
 * http/https, undici missing or refusing the URL) every request is refused: never direct.
 */
export function installFetchProxy(env: NodeJS.ProcessEnv): FetchProxyOutcome {
	const httpProxy = env.http_proxy ?? env.HTTP_PROXY;
	const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? httpProxy;
	const problem = proxyProblem('HTTP_PROXY', httpProxy) ?? proxyProblem('HTTPS_PROXY', httpsProxy);
	if (problem !== undefined) {
		return refuse(problem);
	}

	try {
		// Required here, not at the top, so that a broken install still ends in a refusal.
		const undici: typeof import('undici') = require('undici');
		const agent = withoutWarning('UNDICI-EHPA', () => new undici.EnvHttpProxyAgent({httpProxy, httpsProxy, noProxy: undiciNoProxy(env.no_proxy ?? env.NO_PROXY ?? '')}));
		undici.setGlobalDispatcher(agent);
		return {proxied: true};
	} catch (error) {
		return refuse(`could not set up the proxy: ${error instanceof Error ? error.message : String(error)}`);
	}
}

/**
 * NO_PROXY as undici matches it: undici compares names and addresses as written and knows no CIDR,
 * so the loopback range run puts there by default also gets its usual address, 127.0.0.1 (undici
 * never matches it as a suffix of another host, unlike Python requests).
 */
export function undiciNoProxy(noProxy: string): string {
	return noProxy.split(/[,\s]/).includes('127.0.0.0/8') ? `${noProxy},127.0.0.1` : noProxy;
}

function refuse(reason: string): FetchProxyOutcome {
	installGlobalDispatcher(refusingDispatcher(reason));
	return {proxied: false, reason};
}

/** Why `value` cannot be fetch's proxy, naming the variable and scheme only (the URL holds credentials). */
function proxyProblem(name: string, value: string | undefined): string | undefined {
	if (value === undefined || value === '') {
		return `${name} is not set`;
	}

	let protocol: string;
	try {
		protocol = new URL(value).protocol;
	} catch {
		return `${name} is not a URL`;
	}

	return protocol === 'http:' || protocol === 'https:' ? undefined : `${name} is a ${protocol.slice(0, -1)}:// proxy, which fetch cannot use`;
}

/**
 * Run `make` with the process warning coded `code` left out. EnvHttpProxyAgent announces itself as
 * experimental on stderr when built, which would print in every Node program run starts; this is
 * that one warning, nothing else, and only while the agent is built.
 */
function withoutWarning<T>(code: string, make: () => T): T {
	const emitWarning = process.emitWarning;
	const filtered = (...args: unknown[]): void => {
		if (args.some(argument => argument === code || (typeof argument === 'object' && argument !== null && 'code' in argument && argument.code === code))) {
			return;
		}

		Reflect.apply(emitWarning, process, args);
	};

	Reflect.set(process, 'emitWarning', filtered);
	try {
		return make();
	} finally {
		Reflect.set(process, 'emitWarning', emitWarning);
	}
}
