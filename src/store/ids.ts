import { nanoid } from 'nanoid';

/** Row ids: 21-character nanoids, as in the contract. */
export const newId = (): string => nanoid();
export const now = (): string => new Date().toISOString();
