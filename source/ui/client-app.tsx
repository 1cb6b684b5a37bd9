import {shortProxyUrl} from './short-proxy-url.js';
import {Box, Text, useStdin} from 'ink';
import type {Client} from '../core/client.js';
import {clientLayout} from './client-layout.js';
import {clientLogText} from './client-log-text.js';
import {clientCounts, orderSlots, proxyColumns, selectProxyRows, waitingBanner} from './client-rows.js';
import {KeyHints} from './components/key-hints.js';
import {LogView} from './components/log-view.js';
import {TableView} from './components/table-view.js';
import {truncateText} from './fit-text.js';
import {useScreenKeys} from './hooks/use-screen-keys.js';
import {useClientScreen} from './hooks/use-client-screen.js';
import {useKeepProxies} from './hooks/use-keep-proxies.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {shortId} from './short-id.js';
import {useRotationState} from './use-rotation-state.js';
import {useSelectionState} from './use-selection-state.js';

export type ClientAppProps = {
	readonly client: Client;
	/** How many proxies to keep leased at first (`+` and `-` change it). */
	readonly count: number;
	/** Shown in the header: pass it already redacted (no password). */
	readonly redisUrl: string;
	readonly namespace: string;
	/** `q` or Ctrl-C: the caller runs its one shutdown path. */
	readonly onQuit: () => void;
	readonly onCountChange?: (count: number) => void;
	readonly now?: () => number;
};

const hints = [['q', 'quit'], ['↑↓', 'select'], ['d', 'destroy'], ['r', 'rotate'], ['f', 'blocked'], ['+/-', 'count']] as const;

/** The client's full-screen view: the proxies it keeps leased, and a log. It only listens and renders. */
export function ClientApp({client, count, redisUrl, namespace, onQuit, onCountChange, now = Date.now}: ClientAppProps) {
	const {columns, rows} = useTerminalSize();
	const {isRawModeSupported} = useStdin();
	const {snapshot, log} = useClientScreen(client, now);
	const keep = useKeepProxies(client, count, onCountChange, error => {
		log.append(`error: ${error instanceof Error ? error.message : String(error)}`, 'error');
	});
	const [rotations, dispatchRotation] = useRotationState();
	const slots = orderSlots(snapshot.slots, keep.slotIds);
	const selection = useSelectionState(slots.map(slot => slot.slotId));
	const selected = slots[selection.selectedIndex];

	/** Rotate the selected proxy; with a failure kind, report its exit as burnt first (the same rotation). */
	function changeExit(failure: 'blocked' | undefined): void {
		const proxy = client.proxies().find(candidate => candidate.leaseId === selected?.proxy?.leaseId);
		if (!proxy) {
			log.append(`select a leased proxy to ${failure ? 'report' : 'rotate'}`);
			return;
		}

		if (rotations[proxy.leaseId]?.kind === 'rotating') {
			return;
		}

		const {leaseId, url, exitIp} = proxy;
		if (failure) {
			log.append(`reported ${exitIp ?? 'its exit'} ${failure}: the cluster avoids it for a while`, 'warning');
		}

		dispatchRotation({type: 'rotate-start', leaseId});
		const rotated = failure ? proxy.reportFailure(failure) : proxy.rotate();
		rotated.then(() => {
			dispatchRotation({type: 'rotate-done', leaseId});
		}, (error: unknown) => {
			dispatchRotation({type: 'rotate-failed', leaseId, message: String(error)});
			log.append(clientLogText.rotateFailed(url, error), 'error');
		});
	}

	useScreenKeys({
		onQuit,
		onSelectPrevious: selection.selectPrevious,
		onSelectNext: selection.selectNext,
		chars: {
			d() {
				if (selected?.proxy && selected.phase === 'linked') {
					log.append(`destroying ${shortProxyUrl(selected.proxy.url)}, leasing another`);
					keep.replace(selected.slotId);
				} else {
					log.append('select a leased proxy to destroy');
				}
			},
			r() {
				changeExit(undefined);
			},
			f() {
				// The exit was blocked: every provider avoids it for a while, and this proxy moves at once.
				changeExit('blocked');
			},
			'+': keep.add,
			'=': keep.add,
			'-': keep.remove,
		},
	}, {isActive: isRawModeSupported});

	const banner = waitingBanner(snapshot, namespace);
	const layout = clientLayout(rows, {slots: slots.length, logEntries: log.entries.length, banner: banner !== undefined});
	const status = snapshot.status === 'ready' ? '' : ` · ${snapshot.status}`;

	return (
		<Box flexDirection='column' width={columns} height={rows - 1}>
			<Text wrap='truncate'>{truncateText(`nightcrawler client ${shortId(client.id)} · ${redisUrl} · ns ${namespace}`, columns)}</Text>
			<Text wrap='truncate' color='cyan'>{truncateText(clientCounts(snapshot, keep.slotIds.length) + status, columns)}</Text>
			{banner === undefined ? undefined : <Text wrap='truncate' bold inverse color='yellow'>{truncateText(banner, columns)}</Text>}
			<TableView
				selectable
				title='Proxies'
				columns={proxyColumns}
				rows={selectProxyRows({slots, at: snapshot.at}, rotations)}
				width={columns}
				maxRows={layout.proxyRows}
				emptyText='no proxies wanted: press + to lease one'
				selectedId={selection.selectedId}
			/>
			<LogView entries={log.entries} width={columns} maxRows={layout.logRows}/>
			<Box flexGrow={1}/>
			<KeyHints hints={hints} width={columns}/>
		</Box>
	);
}
