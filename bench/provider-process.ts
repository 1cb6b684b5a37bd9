/**
 * The benchmark's provider, in a process of its own as it would be in use (a provider runs on
 * its own host), so clients and provider do not share one event loop. Driven over IPC.
 */
import {Provider} from '../source/core/provider.js';
import {MemoryBackend} from '../source/pool/memory-backend.js';
import {startFloorProvider} from './floor-provider.js';

type Command =
	| {type: 'start'; url: string; namespace: string; count: number}
	| {type: 'start-floor'; url: string; namespace: string}
	| {type: 'stats'}
	| {type: 'stop'};

let provider: Provider | undefined;
let floor: {stop: () => void} | undefined;

function send(message: unknown): void {
	process.send?.(message);
}

process.on('message', (command: Command) => {
	void (async () => {
		if (command.type === 'start') {
			provider = new Provider({redis: command.url, namespace: command.namespace, backend: new MemoryBackend({count: command.count})});
			await provider.connect();
			await provider.createCluster();
			provider.startProviding();
			send({type: 'started', id: provider.id});
		} else if (command.type === 'start-floor') {
			floor = await startFloorProvider(command.url, command.namespace);
			send({type: 'started'});
		} else if (command.type === 'stats') {
			send({type: 'stats', delivered: provider?.stats.delivered ?? 0});
		} else {
			floor?.stop();
			await provider?.stop();
			send({type: 'stopped'});
			process.disconnect();
		}
	})();
});
