import { z } from 'zod';
import { id, pagination } from './common.js';
import { serviceTypes } from './enums.js';

export const projectCreate = z.object({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  env: z.string().optional(),
});

export const projectId = z.object({ projectId: id() });

export const projectUpdate = z.object({
  projectId: id(),
  name: z.string().min(1).optional(),
  description: z.string().nullable().optional(),
  env: z.string().optional(),
  // Accepted for Dokploy compatibility; Berth keeps the stored values.
  createdAt: z.string().optional(),
  organizationId: z.string().optional(),
});

export const projectSearch = z.object({
  q: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  ...pagination,
});

export const serviceType = z.enum(serviceTypes);

export const projectDuplicate = z.object({
  sourceEnvironmentId: id(),
  name: z.string().min(1),
  description: z.string().optional(),
  includeServices: z.boolean().default(true),
  selectedServices: z.array(z.object({ id: z.string().min(1), type: serviceType })).optional(),
  duplicateInSameProject: z.boolean().default(false),
});

/** The environment every project starts with; it cannot be renamed or removed. */
export const DEFAULT_ENVIRONMENT = 'production';

export const environmentCreate = z.object({
  name: z
    .string()
    .min(1)
    .refine((n) => n !== DEFAULT_ENVIRONMENT, { message: `"${DEFAULT_ENVIRONMENT}" is reserved for the default environment` }),
  description: z.string().optional(),
  projectId: id(),
});

export const environmentId = z.object({ environmentId: id() });

export const environmentUpdate = z.object({
  environmentId: id(),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  projectId: z.string().optional(),
  env: z.string().optional(),
});

export const environmentDuplicate = z.object({
  environmentId: id(),
  name: z.string().min(1),
  description: z.string().optional(),
});

export const environmentSearch = z.object({
  q: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  projectId: z.string().optional(),
  ...pagination,
});
