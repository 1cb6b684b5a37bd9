import {randomBytes} from 'node:crypto';
import {parseCheckBody} from '../util/parse-check-body.js';
import {httpGetViaSocks} from '../util/socks-fetch.js';
import type {TorControl} from './control/tor-control.js';
import {ExitCheckError} from './errors/exit-check-error.js';

export type ExitCheck = {
	/** The address the check service saw. */
	readonly ip: string;
	/** Fingerprint of the last hop of the circuit the check used, when it could be found. */
	readonly exitFingerprint?: string;
};

/**
 * Ask the IP-check service, through the instance's SOCKS port, which address our traffic leaves
 * from. Fresh SOCKS credentials give the request a circuit of its own (IsolateSOCKSAuth), built
 * after the latest pin; the circuit is then looked up to learn which relay it really left through.
 */
export async function checkExit({control, host, socksPort, checkUrl, timeoutMs}: {control: TorControl; host: string; socksPort: number; checkUrl: string; timeoutMs: number}): Promise<ExitCheck> {
	const username = `nc-check-${randomBytes(6).toString('hex')}`;
	const response = await httpGetViaSocks({socksHost: host, socksPort, url: checkUrl, username, password: randomBytes(6).toString('hex'), timeoutMs});
	if (response.status !== 200) {
		throw new ExitCheckError(`the IP check ${checkUrl} answered HTTP ${response.status}`);
	}

	const ip = parseCheckBody(response.body);
	if (!ip) {
		throw new ExitCheckError(`the IP check ${checkUrl} gave no exit address`);
	}

	const circuits = await control.getCircuits().catch(() => []);
	// Every built circuit our credentials used must end at the same relay; otherwise the exit is unknown.
	const exits = new Set(circuits.filter(circuit => circuit.socksUsername === username && circuit.status === 'BUILT').map(circuit => circuit.path.at(-1)?.fingerprint));
	const [exitFingerprint] = exits;
	return {ip, exitFingerprint: exits.size === 1 ? exitFingerprint : undefined};
}
