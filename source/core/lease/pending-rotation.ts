import {v4 as uuidv4} from 'uuid';
import {RotateError} from '../errors/rotate-error.js';
import type {ClientTimings} from './timings.js';

/**
 * A rotation the lease holder asked for. Its request is sent at once and repeated every `retryMs`
 * (a lost request or answer only delays it) until it is answered, fails, or `rotateTimeoutMs` runs
 * out. `done` settles once; `onSettled` runs then, so the slot can forget it.
 */
export class PendingRotation {
	readonly rotateId = uuidv4();
	readonly done: Promise<void>;
	private readonly timer: NodeJS.Timeout;
	private settle: {resolve: () => void; reject: (error: Error) => void} | undefined;

	constructor(
		send: (rotateId: string) => void,
		{retryMs, rotateTimeoutMs}: Pick<ClientTimings, 'retryMs' | 'rotateTimeoutMs'>,
		private readonly onSettled: () => void,
	) {
		const deadline = Date.now() + rotateTimeoutMs;
		this.done = new Promise<void>((resolve, reject) => {
			this.settle = {resolve, reject};
		});
		this.timer = setInterval(() => {
			if (Date.now() > deadline) {
				this.reject(new RotateError(`rotation not answered within ${rotateTimeoutMs} ms`));
			} else {
				send(this.rotateId);
			}
		}, retryMs);
		send(this.rotateId);
	}

	resolve(): void {
		this.finish()?.resolve();
	}

	reject(error: Error): void {
		this.finish()?.reject(error);
	}

	private finish(): PendingRotation['settle'] {
		const {settle} = this;
		this.settle = undefined;
		clearInterval(this.timer);
		if (settle) {
			this.onSettled();
		}

		return settle;
	}
}
