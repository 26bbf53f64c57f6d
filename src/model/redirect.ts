import { z } from 'zod';
import { id } from './common.js';

const compiles = (source: string) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
};

const redirectFields = {
  regex: z.string().min(1).refine(compiles, 'is not a valid regular expression'),
  replacement: z.string().min(1),
  permanent: z.boolean(),
};

export const redirectCreate = z.object({ ...redirectFields, applicationId: id() });
export const redirectUpdate = z.object({ redirectId: id(), ...redirectFields });
export const redirectId = z.object({ redirectId: id() });

export type RedirectCreate = z.output<typeof redirectCreate>;
export type RedirectUpdate = z.output<typeof redirectUpdate>;
