import { z } from 'zod';
import { id } from './common.js';
import { protocolTypes, publishModeTypes } from './enums.js';

const portNumber = () => z.number().int().min(1).max(65535);

/** The contract marks these required but defaults them (API.md §9.5): absent means the default. */
const portFields = {
  publishedPort: portNumber(),
  publishMode: z.enum(publishModeTypes).default('ingress'),
  targetPort: portNumber(),
  protocol: z.enum(protocolTypes).default('tcp'),
};

export const portCreate = z.object({ ...portFields, applicationId: id() });
export const portUpdate = z.object({ portId: id(), ...portFields });
export const portId = z.object({ portId: id() });

export type PortCreate = z.output<typeof portCreate>;
export type PortUpdate = z.output<typeof portUpdate>;
