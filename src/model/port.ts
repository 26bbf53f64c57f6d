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
/** Absent fields keep their stored value: the create defaults would silently reset a host-mode port to ingress. */
export const portUpdate = z.object({
  portId: id(),
  publishedPort: portFields.publishedPort.optional(),
  publishMode: z.enum(publishModeTypes).optional(),
  targetPort: portFields.targetPort.optional(),
  protocol: z.enum(protocolTypes).optional(),
});
export const portId = z.object({ portId: id() });

export type PortCreate = z.output<typeof portCreate>;
export type PortUpdate = z.output<typeof portUpdate>;
