import {fork, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import {terminate} from '../source/util/terminate.js';

/** The benchmark's provider (real or floor), in a child process driven over IPC. */
export class ProviderProcess {
	private readonly child: ChildProcess;

	constructor() {
		this.child = fork(fileURLToPath(new URL('provider-process.js', import.meta.url)), {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
	}

	async request<T>(command: object, answer: string): Promise<T> {
		const reply = new Promise<T>((resolve, reject) => {
			const onMessage = (message: {type: string}) => {
				if (message.type === answer) {
					this.child.off('message', onMessage);
					resolve(message as T);
				}
			};

			this.child.on('message', onMessage);
			this.child.once('exit', () => {
				reject(new Error('the provider process exited'));
			});
		});
		this.child.send(command);
		return reply;
	}

	async stop(): Promise<void> {
		if (this.child.connected) {
			await this.request({type: 'stop'}, 'stopped').catch(() => undefined);
		}

		if (this.child.exitCode === null) {
			await Promise.race([once(this.child, 'exit'), new Promise(resolve => {
				setTimeout(resolve, 3000);
			})]);
		}

		await terminate(this.child);
	}
}
