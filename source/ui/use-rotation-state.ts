import {useReducer} from 'react';

/** A rotation the user asked for, by lease (a rotation keeps its lease; a new lease starts clean). */
export type RotationStatus = {readonly kind: 'rotating'} | {readonly kind: 'failed'; readonly message: string};

export type RotationState = Readonly<Record<string, RotationStatus>>;

export type RotationAction =
	| {readonly type: 'rotate-start'; readonly leaseId: string}
	| {readonly type: 'rotate-done'; readonly leaseId: string}
	| {readonly type: 'rotate-failed'; readonly leaseId: string; readonly message: string};

export function rotationReducer(state: RotationState, action: RotationAction): RotationState {
	switch (action.type) {
		case 'rotate-start': {
			return {...state, [action.leaseId]: {kind: 'rotating'}};
		}

		case 'rotate-done': {
			const {[action.leaseId]: _done, ...rest} = state;
			return rest;
		}

		case 'rotate-failed': {
			return {...state, [action.leaseId]: {kind: 'failed', message: action.message}};
		}
	}
}

export function useRotationState() {
	return useReducer(rotationReducer, {});
}
