import type {TorControl} from './control/tor-control.js';
import {type ExitPinning, pinNewExit, unshareExit} from './exit-pinning.js';
import type {TorInstanceOptions} from './tor-instance-options.js';

/** Where pinning goes through: the instance's Tor controller and SOCKS port now (both change on restarts). */
export type PinningRoute = {control: TorControl; socksPort: number};

/**
 * The one owner of an instance's exit: which relay it is pinned to, from which address traffic
 * leaves, whether it shares that exit, and its claim in the cluster. Pins, moves off a shared exit
 * and releases through exit-pinning.ts; the instance serializes the calls.
 */
export class InstanceExit {
	private fingerprint: string | undefined;
	private address: string | undefined;

	constructor(
		private readonly options: Pick<TorInstanceOptions, 'id' | 'host' | 'checkUrl' | 'checkTimeoutMs' | 'allocator' | 'registry'>,
		private readonly log: (message: string) => void,
	) {}

	/** The verified exit address, when pinned. */
	get ip(): string | undefined {
		return this.address;
	}

	/** The relay pinned now, if any. */
	get relay(): string | undefined {
		return this.fingerprint;
	}

	/** Pinned although another holder in the cluster has the exit too. */
	get shared(): boolean {
		return this.fingerprint !== undefined && this.options.allocator.current(this.options.id)?.shared === true;
	}

	/** Pin an exit other than the current one and prove it (see pinNewExit). */
	async pinNew(route: PinningRoute): Promise<void> {
		const exit = await pinNewExit({...this.pinning(route), previous: {fingerprint: this.fingerprint, ip: this.address}});
		this.fingerprint = exit.fingerprint;
		this.address = exit.ip;
	}

	/** Move onto an exit nobody in the cluster holds, when it shares one and one is free; true when it moved (see unshareExit). */
	async unshare(route: PinningRoute): Promise<boolean> {
		const {fingerprint, address} = this;
		if (!fingerprint || !address || !this.shared) {
			return false;
		}

		const moved = await unshareExit({...this.pinning(route), current: {fingerprint, ip: address}});
		if (moved) {
			this.fingerprint = moved.fingerprint;
			this.address = moved.ip;
		} else {
			// Re-pinned and proven on its shared exit again when another was tried: the address the check saw.
			this.address = this.options.allocator.current(this.options.id)?.ip ?? address;
		}

		return moved !== undefined;
	}

	/** Forget the exit (Tor ended) and give up its claim in the cluster (only ours: the registry compares). */
	async release(): Promise<void> {
		this.fingerprint = undefined;
		const assignment = this.options.allocator.release(this.options.id);
		if (assignment && !assignment.shared) {
			await this.options.registry?.release(assignment.fingerprint, this.options.id).catch((error: unknown) => {
				this.log(`${this.options.id}: could not release exit ${assignment.fingerprint.slice(0, 8)}: ${error instanceof Error ? error.message : String(error)}`);
			});
		}
	}

	private pinning({control, socksPort}: PinningRoute): ExitPinning {
		const {id, host, checkUrl, checkTimeoutMs, allocator, registry} = this.options;
		return {id, control, host, socksPort, checkUrl, checkTimeoutMs, allocator, registry, previous: {}, log: this.log};
	}
}
