import {Box, Text, useStdin} from 'ink';
import type {Provider} from '../core/provider.js';
import {avoidedExitsText} from './avoided-exits-text.js';
import {KeyHints} from './components/key-hints.js';
import {useAvoidedExits} from './hooks/use-avoided-exits.js';
import {LogView} from './components/log-view.js';
import {TableView} from './components/table-view.js';
import {truncateText} from './fit-text.js';
import {useScreenKeys} from './hooks/use-screen-keys.js';
import {useProviderScreen} from './hooks/use-provider-screen.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {providerLayout} from './provider-layout.js';
import {heartbeatColumns, instanceColumns, linkColumns, providerCounts, selectHeartbeatRows, selectInstanceRows, selectLinkRows} from './provider-rows.js';
import {shortId} from './short-id.js';
import {useSelectionState} from './use-selection-state.js';

export type ProviderAppProps = {
	readonly provider: Provider;
	/** Shown in the header: pass it already redacted (no password). */
	readonly redisUrl: string;
	readonly namespace: string;
	/** `q` or Ctrl-C: the caller runs its one shutdown path. */
	readonly onQuit: () => void;
	readonly now?: () => number;
};

const hints = [['q', 'quit'], ['↑↓', 'select'], ['r', 'rotate'], ['x', 'restart']] as const;

/** The provider's full-screen view: pool, links, heartbeats and a log. It only listens and renders. */
export function ProviderApp({provider, redisUrl, namespace, onQuit, now = Date.now}: ProviderAppProps) {
	const {columns, rows} = useTerminalSize();
	const {isRawModeSupported} = useStdin();
	const {snapshot, log} = useProviderScreen(provider, now);
	const avoided = avoidedExitsText(useAvoidedExits(provider), now());
	const instanceRows = selectInstanceRows(snapshot);
	const selection = useSelectionState(instanceRows.map(row => row.id));
	const {selectedId} = selection;

	const act = (verb: string, action: (id: string) => Promise<void>) => {
		if (selectedId === undefined) {
			return;
		}

		log.append(`${verb} ${selectedId}…`);
		action(selectedId).catch((error: unknown) => {
			log.append(`${verb} ${selectedId} failed: ${error instanceof Error ? error.message : String(error)}`, 'error');
		});
	};

	useScreenKeys({
		onQuit,
		onSelectPrevious: selection.selectPrevious,
		onSelectNext: selection.selectNext,
		chars: {
			r() {
				act('rotating', async id => provider.rotateInstance(id));
			},
			x() {
				act('restarting', async id => provider.restartInstance(id));
			},
		},
	}, {isActive: isRawModeSupported});

	const layout = providerLayout({columns, rows}, {instances: instanceRows.length, leases: snapshot.leases.length, logEntries: log.entries.length, extraHeaderLines: avoided === undefined ? 0 : 1});
	const linkRows = selectLinkRows(snapshot);
	const heartbeatRows = selectHeartbeatRows(snapshot, provider.timings);
	const half = Math.floor((columns - 2) / 2);
	const status = snapshot.status === 'ready' ? '' : ` · ${snapshot.status}`;

	return (
		<Box flexDirection='column' width={columns} height={rows - 1}>
			<Text wrap='truncate'>
				{truncateText(`nightcrawler provider ${shortId(provider.id)} on ${provider.hostname} · ${redisUrl} · ns ${namespace}`, columns)}
			</Text>
			<Text wrap='truncate' color='cyan'>{truncateText(providerCounts(snapshot) + status, columns)}</Text>
			{avoided === undefined ? undefined : <Text wrap='truncate' color='yellow'>{truncateText(avoided, columns)}</Text>}
			<TableView selectable title='Pool' columns={instanceColumns} rows={instanceRows} width={columns} maxRows={layout.poolRows} emptyText='no instances yet' selectedId={selectedId}/>
			<Box flexDirection={layout.sideBySide ? 'row' : 'column'} width={columns}>
				<TableView title='Links' columns={linkColumns} rows={linkRows} width={layout.sideBySide ? half : columns} maxRows={layout.leaseRows} emptyText='no leases'/>
				<Box marginLeft={layout.sideBySide ? 2 : 0}>
					<TableView title='Heartbeats' columns={heartbeatColumns} rows={heartbeatRows} width={layout.sideBySide ? columns - 2 - half : columns} maxRows={layout.leaseRows} emptyText='no leases'/>
				</Box>
			</Box>
			<LogView entries={log.entries} width={columns} maxRows={layout.logRows}/>
			<Box flexGrow={1}/>
			<KeyHints hints={hints} width={columns}/>
		</Box>
	);
}
