import type { ProviderType } from '../../model/notification.js';
import { custom } from './custom.js';
import { discord } from './discord.js';
import { gotify } from './gotify.js';
import { lark } from './lark.js';
import { mattermost } from './mattermost.js';
import { ntfy } from './ntfy.js';
import { pushover } from './pushover.js';
import { resend } from './resend.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { telegram } from './telegram.js';
import type { HttpProvider } from './types.js';

/** Every provider that speaks HTTP, by type; e-mail (SMTP) is the one that does not. */
export const httpProviders: { [T in Exclude<ProviderType, 'email'>]: HttpProvider<T> } = { slack, telegram, discord, resend, gotify, ntfy, mattermost, custom, lark, teams, pushover };
