import { z } from 'zod';
import { badRequest, BerthError, notFound } from '../model/errors.js';
import * as m from '../model/notification.js';
import type { Flags, ProviderConfig, ProviderType } from '../model/notification.js';
import type { Channel } from '../store/notifications.js';
import { group, mutation, query, type Procedure } from './procedure.js';

/**
 * A channel as Dokploy answers it: the notification row, every provider's id (null but its
 * own) and its provider object, secrets masked; plus Berth's delivery fields (`lastSentAt`,
 * `lastError`, `lastErrorAt`).
 */
export function shown(c: Channel) {
  const { config, providerId, ...row } = c;
  const ids = Object.fromEntries(m.providerTypes.map((t) => [m.providerIdKey(t), t === c.notificationType ? providerId : null]));
  const providers = Object.fromEntries(
    m.providerTypes.map((t) => [t, t === c.notificationType ? { [m.providerIdKey(t)]: providerId, ...m.maskConfig(t, config as ProviderConfig<typeof t>) } : null]),
  );
  return { ...row, ...ids, ...providers };
}

const flagsOf = (input: Record<string, unknown>) => Object.fromEntries(m.eventFlags.map((f) => [f, input[f]])) as Partial<Flags>;

/** The provider's own fields out of an input (the rest are ids, name and flags). */
const configOf = (type: ProviderType, input: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(m.providerFields[type]).flatMap((k) => (input[k] === undefined ? [] : [[k, input[k]]]))) as Record<string, unknown>;

/** Sends a test message with the given settings; the provider's refusal becomes a 400 in its words. */
async function tryChannel(type: ProviderType, config: ProviderConfig, ctx: { config: import('../config.js').Config }) {
  const [{ send, DeliveryError }, { testMessage }, { publicUrlOf }] = await Promise.all([import('../notify/send.js'), import('../notify/message.js'), import('../notify/index.js')]);
  const settings = ctx.config.notify;
  try {
    await send(type, config, testMessage(publicUrlOf(ctx.config)), { api: settings.api, timeoutMs: settings.timeoutMs, idempotencyKey: `berth-test-${Date.now()}` });
  } catch (err) {
    if (err instanceof DeliveryError) throw badRequest(`${m.routeName(type)} did not accept the test message: ${err.message}`);
    throw err;
  }
  return true;
}

function providerRoutes(type: ProviderType): Record<string, Omit<Procedure<any>, 'name'>> {
  const name = m.routeName(type);
  const idKey = m.providerIdKey(type);
  return {
    [`create${name}`]: mutation({
      summary: `Add a ${name} notification channel`,
      output: 'notification',
      input: m.createInput(type),
      description: `Stores the channel (its secrets encrypted) and answers it, secrets masked. Event flags left out are off. Nothing is sent: \`test${name}Connection\` tries the settings.`,
      handler: (input, { store }) => {
        const { name: channelName, ...rest } = input as Record<string, unknown> & { name: string };
        return shown(store.notifications.create({ name: channelName, notificationType: type, ...(flagsOf(rest) as Flags), config: configOf(type, rest) as ProviderConfig }));
      },
    }),
    [`update${name}`]: mutation({
      summary: `Change a ${name} notification channel`,
      output: 'ok',
      input: m.updateInput(type),
      description: `Changes the given fields; the others keep their value, and a secret sent back masked keeps the stored one. \`${idKey}\`, when sent, must be this channel's; \`organizationId\` is ignored.`,
      handler: (input, { store }) => {
        const raw = input as Record<string, unknown> & { notificationId: string; name?: string };
        const current = store.notifications.get(raw.notificationId);
        if (current.notificationType !== type) throw badRequest(`Notification "${raw.notificationId}" is a ${current.notificationType} channel, not ${type}`);
        const providerId = raw[idKey];
        if (providerId && providerId !== current.providerId) throw notFound(name, String(providerId));
        const merged = m.keepMasked(type, current.config as ProviderConfig<typeof type>, { ...current.config, ...configOf(type, raw) } as ProviderConfig<typeof type>);
        store.notifications.update(raw.notificationId, { name: raw.name, ...flagsOf(raw), config: merged });
        return true;
      },
    }),
    [`test${name}Connection`]: mutation({
      summary: `Send a test message to ${name}`,
      output: 'ok',
      input: m.testInput(type),
      description: `Sends a real test message with the given settings (nothing is stored): true when ${name} accepted it; 400 with its answer when it refused, or why it could not be reached (within BERTH_NOTIFY_TIMEOUT_MS).`,
      handler: (input, ctx) => tryChannel(type, input as ProviderConfig, ctx),
    }),
  };
}

export default group('notification', {
  ...Object.assign({}, ...m.providerTypes.map(providerRoutes)),
  remove: mutation({
    summary: 'Delete a notification channel',
    output: 'notification',
    input: m.notificationId,
    description: 'Deletes the channel with its secrets and its queued messages; answers what was deleted (secrets masked).',
    handler: ({ notificationId }, { store }) => shown(store.notifications.remove(notificationId)),
  }),
  one: query({
    summary: 'One notification channel',
    output: 'notification',
    input: m.notificationId,
    description: 'The channel, secrets masked, with its delivery state: `lastSentAt`, and `lastError`/`lastErrorAt` of the last failed attempt (the provider\'s answer, or why it could not be reached).',
    handler: ({ notificationId }, { store }) => shown(store.notifications.get(notificationId)),
  }),
  all: query({
    summary: 'Every notification channel',
    output: 'notifications',
    input: z.object({}),
    description: 'Every channel, newest first, secrets masked, with its delivery state.',
    handler: (_, { store }) => store.notifications.all().map(shown),
  }),
  getEmailProviders: query({
    summary: 'The channels that send e-mail',
    output: 'notifications',
    input: z.object({}),
    description: 'The e-mail (SMTP) and Resend channels, as `all` shows them.',
    handler: (_, { store }) =>
      store.notifications
        .all()
        .filter((c) => c.notificationType === 'email' || c.notificationType === 'resend')
        .map(shown),
  }),
  receiveNotification: mutation({
    summary: 'Report a server over a threshold',
    output: 'ok',
    input: m.receiveInput,
    description:
      "Dokploy's monitoring-agent intake. Berth watches its own server (BERTH_THRESHOLD_*), so this is for an external monitor that speaks Dokploy's body: it queues a `server.threshold` message for the channels with `serverThreshold` on. The API token authenticates the caller; `Token` is accepted and not used. Only this server (`ServerType` Dokploy) is known: Remote is a 404.",
    handler: (input, { notify }) => {
      if (input.ServerType === 'Remote') throw new BerthError('NOT_FOUND', 'Berth manages one server: there is no remote server to report about');
      const at = Number.isNaN(Date.parse(input.Timestamp)) ? new Date().toISOString() : new Date(input.Timestamp).toISOString();
      notify({ type: 'server.threshold', metric: input.Type === 'CPU' ? 'cpu' : 'memory', value: input.Value, threshold: input.Threshold, forSeconds: 0, at });
      return true;
    },
  }),
});
