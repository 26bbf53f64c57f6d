import { z } from 'zod';
import { BerthError } from '../model/errors.js';
import { maskColumns } from '../model/masking.js';
import * as m from '../model/ssh-key.js';
import { generateKeyPair, publicKeyOf } from '../secrets/ssh-keys.js';
import type { SshKeyRow } from '../store/ssh-keys.js';
import { group, mutation, query } from './procedure.js';

/** Private keys never leave Berth once stored: every answer carries the mask instead. */
const masked = (row: SshKeyRow) => maskColumns(row, ['privateKey']);

/** A 400 that names the field, like a validation failure. */
const fieldError = (field: string, message: string) => new BerthError('BAD_REQUEST', `${field}: ${message}`, [{ path: [field], message, code: 'custom' }]);

export default group('sshKey', {
  create: mutation({
    summary: 'Import an SSH key pair',
    output: 'nothing',
    input: m.sshKeyCreate,
    description: 'Imports a key pair. The private key must be a PEM `RSA PRIVATE KEY` or `OPENSSH PRIVATE KEY` block without passphrase and the public key must be its own; 400 naming the field otherwise. The private key is stored encrypted and never answered. `organizationId` is required and ignored.',
    handler: async ({ name, description, privateKey, publicKey }, { store }) => {
      const derived = await publicKeyOf(privateKey);
      if (!derived) throw fieldError('privateKey', 'ssh-keygen cannot read this private key (damaged, or protected by a passphrase)');
      if (m.publicKeyIdentity(derived) !== m.publicKeyIdentity(publicKey)) throw fieldError('publicKey', 'does not belong to the private key');
      store.sshKeys.create({ name, description, privateKey, publicKey });
      return undefined;
    },
  }),
  remove: mutation({
    summary: 'Delete an SSH key',
    output: 'sshKey',
    input: m.sshKeyId,
    description: 'Deletes the key; git sources that used it are left without one.',
    handler: ({ sshKeyId }, { store }) => masked(store.sshKeys.remove(sshKeyId)),
  }),
  one: query({
    summary: 'One SSH key, private key masked',
    output: 'sshKey',
    input: m.sshKeyId,
    description: 'One key: the public key in full, the private key masked.',
    handler: ({ sshKeyId }, { store }) => masked(store.sshKeys.get(sshKeyId)),
  }),
  all: query({
    summary: 'Every SSH key, private keys masked',
    output: 'sshKeys',
    input: z.object({}),
    description: 'Every key, newest first, private keys masked.',
    handler: (_, { store }) => store.sshKeys.all().map(masked),
  }),
  allForApps: query({
    summary: 'SSH key ids and names',
    output: 'sshKeyNames',
    input: z.object({}),
    handler: (_, { store }) => store.sshKeys.all().map(({ sshKeyId, name }) => ({ sshKeyId, name })),
  }),
  generate: mutation({
    summary: 'Generate a key pair (not stored)',
    output: 'keyPair',
    input: m.sshKeyGenerate,
    description: 'A new key pair (OpenSSH format, no passphrase; RSA 4096 by default), returned and not stored: import it with `sshKey.create`.',
    handler: ({ type }) => generateKeyPair(type),
  }),
  update: mutation({
    summary: "Update an SSH key's name or description",
    output: 'sshKey',
    input: m.sshKeyUpdate,
    handler: ({ sshKeyId, ...set }, { store }) => masked(store.sshKeys.update(sshKeyId, set)),
  }),
});
