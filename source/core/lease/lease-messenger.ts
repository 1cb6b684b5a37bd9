import type {Bus} from '../bus/bus.js';
import {proofFieldsOf, prove, providerProofFields, type ProofField} from './lease-proof.js';
import type {ClientInbound, ClientMessage, ProviderInbound} from './messages.js';

/** What the provider proves a message about a lease with: the lease's secret and its sent-message count. */
export type ProvenRecord = {readonly leaseId: string; readonly clientId: string; readonly secret: string; sentN: number};

type Unproven<T> = T extends unknown ? Omit<T, 'n' | 'proof'> : never;

/**
 * The provider's messages that end or change a lease, each proven with the lease's secret and a
 * count one higher than the last (docs/protocol.md §3.5), so a client can tell them from forgeries.
 */
export class LeaseMessenger {
	constructor(private readonly bus: Bus<ProviderInbound, ClientInbound>) {}

	async heartbeat(record: ProvenRecord, data: Unproven<ClientMessage<'proxy:heartbeat'>>): Promise<boolean> {
		return this.bus.sendMessage('proxy:heartbeat', record.clientId, {...data, ...this.proof(record, 'proxy:heartbeat', providerProofFields['proxy:heartbeat'](data))});
	}

	async leaseEnd(record: ProvenRecord, data: Unproven<ClientMessage<'proxy:leaseEnd'>>): Promise<boolean> {
		return this.bus.sendMessage('proxy:leaseEnd', record.clientId, {...data, ...this.proof(record, 'proxy:leaseEnd', providerProofFields['proxy:leaseEnd'](data))});
	}

	async update(record: ProvenRecord, data: Unproven<ClientMessage<'proxy:update'>>): Promise<boolean> {
		return this.bus.sendMessage('proxy:update', record.clientId, {...data, ...this.proof(record, 'proxy:update', providerProofFields['proxy:update'](data))});
	}

	async rotate(record: ProvenRecord, data: Unproven<ClientMessage<'proxy:rotate'>>): Promise<boolean> {
		return this.bus.sendMessage('proxy:rotate', record.clientId, {...data, ...this.proof(record, 'proxy:rotate', providerProofFields['proxy:rotate'](data))});
	}

	private proof(record: ProvenRecord, event: string, own: readonly ProofField[]): {n: number; proof: string} {
		const n = ++record.sentN;
		const fields = proofFieldsOf({event, from: this.bus.id, to: record.clientId, leaseId: record.leaseId, n}, own);
		return {n, proof: prove(record.secret, fields)};
	}
}
