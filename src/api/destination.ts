import { z } from 'zod';
import { maskColumns, unlessMasked } from '../model/masking.js';
import * as m from '../model/backup.js';
import { rejectViolations } from '../model/record-rules.js';
import { assertLocalServer } from '../model/registry.js';
import type { DestinationRow } from '../store/destinations.js';
import { group, mutation, query } from './procedure.js';

/** The secret key never leaves Berth: answers carry the mask (Dokploy returns it in plain). */
const masked = (row: DestinationRow) => maskColumns(row, ['secretAccessKey']);

export default group('destination', {
  create: mutation({
    summary: 'Add a backup destination',
    output: 'destination',
    input: m.destinationCreate,
    description: 'An S3-compatible bucket (path-style requests to `endpoint`; "" for AWS), or with `provider` "local" a folder on this machine, named by its absolute path in `bucket`. `additionalFlags` (rclone flags in Dokploy) are kept and unused. The secret key is stored encrypted and answered masked.',
    handler: ({ serverId, ...values }, { store }) => {
      assertLocalServer(serverId);
      return masked(store.destinations.create(values));
    },
  }),
  testConnection: mutation({
    summary: 'Write and delete a small object at a destination',
    output: 'ok',
    input: m.destinationCreate,
    description: 'Writes a small object at the top of the bucket (or folder) and deletes it, as a backup would: true, or 400 with the provider\'s own words. Nothing is stored.',
    handler: async ({ serverId, ...values }, { backups }) => {
      assertLocalServer(serverId);
      await backups.testDestination(values);
      return true;
    },
  }),
  one: query({
    summary: 'One destination, secret key masked',
    output: 'destination',
    input: m.destinationId,
    handler: ({ destinationId }, { store }) => masked(store.destinations.get(destinationId)),
  }),
  all: query({
    summary: 'Every destination, secret keys masked',
    output: 'destinations',
    input: z.object({}),
    handler: (_, { store }) => store.destinations.all().map(masked),
  }),
  update: mutation({
    summary: 'Change a destination',
    output: 'destination',
    input: m.destinationUpdate,
    description: 'A `secretAccessKey` equal to the mask keeps the stored key. The result must still be a valid destination of its provider (400 naming the field otherwise, nothing written).',
    handler: ({ destinationId, serverId, ...values }, { store }) => {
      assertLocalServer(serverId);
      const current = store.destinations.get(destinationId);
      const secretAccessKey = unlessMasked(values.secretAccessKey);
      rejectViolations(m.destinationViolations({ ...values, secretAccessKey: secretAccessKey ?? current.secretAccessKey }));
      return masked(store.destinations.update(destinationId, { ...values, secretAccessKey }));
    },
  }),
  remove: mutation({
    summary: 'Delete a destination no backup uses',
    output: 'destination',
    input: m.destinationId,
    description: 'Deletes the destination (its stored secret with it); 409 naming the backups that still use it. The archives stored there stay.',
    handler: ({ destinationId }, { store }) => masked(store.destinations.remove(destinationId)),
  }),
});
