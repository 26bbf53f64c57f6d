import { z } from 'zod';
import { id } from './common.js';

/** `application.updateTraefikConfig`: the YAML is checked by routing (parse, then Traefik's schema), not here. */
export const traefikConfigUpdate = z.object({ applicationId: id(), traefikConfig: z.string() });
