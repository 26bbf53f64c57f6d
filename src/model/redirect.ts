import { z } from 'zod';
import { id } from './common.js';
import { goRegex, templateSafe } from './traefik-text.js';

const redirectFields = {
  regex: goRegex(),
  replacement: templateSafe(z.string().min(1)),
  permanent: z.boolean(),
};

export const redirectCreate = z.object({ ...redirectFields, applicationId: id() });
export const redirectUpdate = z.object({ redirectId: id(), ...redirectFields });
export const redirectId = z.object({ redirectId: id() });

export type RedirectCreate = z.output<typeof redirectCreate>;
export type RedirectUpdate = z.output<typeof redirectUpdate>;
