import type { Deployer } from '../deploy/deployer.js';
import { BerthError } from '../model/errors.js';
import type { Store } from '../store/index.js';
import type { ApplicationRow } from '../store/schema.js';
import type { Delivery, Headers, PullRequestEvent } from './event.js';
import { decide } from './filter.js';
import { parseDelivery, verifyDelivery } from './parse.js';
import { previewUrl } from '../deploy/preview-app.js';
import { isCommitSha } from '../deploy/sources/git-url.js';
import { isFork, previewAction, previewHost } from './preview.js';
import { createStatusReporter } from './status-reporter.js';

/** What the receiver answers a forge: always 200 once the delivery is authentic (a filtered event says why). */
export interface WebhookAnswer {
  message: string;
  deployed: boolean;
  provider: Delivery['provider'];
  /** Per application: the queued deployment's id, or why it was not deployed (and the preview a pull request concerns). */
  applications: { applicationId: string; deploymentId?: string; reason?: string; previewDeploymentId?: string }[];
}

/**
 * The JSON of a delivery: GitHub may send `application/x-www-form-urlencoded` with the JSON
 * in `payload`; an empty body is a plain trigger.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  try {
    if (contentType?.startsWith('application/x-www-form-urlencoded')) return JSON.parse(new URLSearchParams(raw.toString('utf8')).get('payload') ?? 'null');
    return raw.length === 0 ? null : JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BerthError('BAD_REQUEST', 'The webhook body is not valid JSON');
  }
}

/**
 * Push-to-deploy (API.md §8): authenticates a delivery, decides per application with the
 * pure filter, and queues the deployments. Never runs anything inline: the forge gets its
 * answer as soon as the rows are written.
 */
export function createWebhookReceiver(deps: { store: Store; deploy: Deployer; wildcard: string; warn: (message: string, err?: unknown) => void }) {
  const { store, deploy, warn } = deps;
  const report = createStatusReporter(store, warn);

  function authenticate(headers: Headers, body: unknown, raw: Buffer, secret: string | null, whose: string) {
    if (!secret) return;
    const verdict = verifyDelivery(headers, body, raw, secret);
    if (verdict === 'missing') throw new BerthError('UNAUTHORIZED', `${whose} has a webhook secret: the delivery must be signed with it`);
    if (verdict === 'bad') throw new BerthError('UNAUTHORIZED', `The delivery's signature does not match ${whose}'s webhook secret`);
  }

  /**
   * A pull request's preview of `app`: created or updated and deployed at the head commit,
   * refused with a visible reason (previewLimit, a fork), or removed when it is closed
   * (in the background: the forge's answer does not wait for Docker).
   */
  function previewFor(app: ApplicationRow, pr: PullRequestEvent): { deploymentId?: string; reason?: string; previewDeploymentId?: string } {
    const pullRequestId = pr.id || String(pr.number);
    const existing = store.previews.byPullRequest(app.applicationId, pullRequestId);
    const action = previewAction(app, pr, { existing, running: store.previews.running(app.applicationId) });
    if (action.kind === 'ignore') return { reason: action.reason };
    if (action.kind === 'remove') {
      void deploy.removePreview(existing!.previewDeploymentId).catch((err) => warn(`could not remove preview ${existing!.appName}`, err));
      return { reason: `pull request #${pr.number} closed: its preview is being removed`, previewDeploymentId: existing!.previewDeploymentId };
    }
    const facts = {
      pullRequestId,
      pullRequestNumber: String(pr.number),
      pullRequestURL: pr.url ?? '',
      pullRequestTitle: pr.title,
      branch: pr.head.branch,
      headCloneUrl: isFork(pr) ? (pr.head.repository.cloneUrls[0] ?? null) : null,
    };
    if (action.kind === 'refuse') {
      const row = existing ? store.previews.update(existing.previewDeploymentId, { ...facts, statusMessage: action.reason }) : store.previews.create(app.applicationId, app.appName, facts, action.reason);
      // The pull request shows why it has no preview.
      if (isCommitSha(pr.head.sha)) void report(app, row.previewDeploymentId, pr.head.sha, { state: 'failure', url: null, description: `No preview: ${action.reason}`.slice(0, 140) });
      return { reason: action.reason, previewDeploymentId: row.previewDeploymentId };
    }
    const preview = existing ? store.previews.update(existing.previewDeploymentId, { ...facts, statusMessage: null }) : store.previews.create(app.applicationId, app.appName, facts, null);
    const domain = store.previews.ensureDomain(preview.previewDeploymentId, {
      host: previewHost(app.previewWildcard, preview.appName, deps.wildcard),
      port: app.previewPort ?? 3000,
      path: app.previewPath ?? '/',
      https: app.previewHttps,
      certificateType: app.previewCertificateType,
      customCertResolver: app.previewCustomCertResolver,
    });
    const sha = isCommitSha(pr.head.sha) ? pr.head.sha : undefined;
    const d = deploy.enqueuePreview(preview.previewDeploymentId, {
      title: `Preview of #${pr.number}: ${pr.title}`.slice(0, 200),
      description: sha ? `Commit: ${sha}` : `Branch: ${pr.head.branch}`,
      ...(sha ? { commitHash: sha } : {}),
    });
    if (sha) reportPreview(app, d.deploymentId, sha, previewUrl(app, domain.host));
    return { deploymentId: d.deploymentId, previewDeploymentId: preview.previewDeploymentId };
  }

  /** The preview's state on the pull request's head commit: pending now, then how its deployment ended. */
  function reportPreview(app: ApplicationRow, deploymentId: string, sha: string, url: string) {
    void report(app, deploymentId, sha, { state: 'pending', url, description: 'Berth is deploying the preview' });
    let stop = () => {};
    stop = deploy.follow(deploymentId, (event) => {
      if (event.type !== 'end') return;
      queueMicrotask(() => stop());
      const done = event.status === 'done';
      void report(app, deploymentId, sha, { state: done ? 'success' : 'failure', url, description: done ? 'The preview is live' : `The preview deployment ended ${event.status}` });
    });
  }

  /** Decides and queues for each application; a delivery id seen before for a target deploys nothing again. */
  function act(delivery: Delivery, target: string, apps: ApplicationRow[]): WebhookAnswer {
    const answer = (message: string, applications: WebhookAnswer['applications']): WebhookAnswer => ({
      message,
      deployed: applications.some((a) => a.deploymentId),
      provider: delivery.provider,
      applications,
    });
    if (delivery.deliveryId && store.webhooks.seen(delivery.provider, delivery.deliveryId, target))
      return answer(`Delivery ${delivery.deliveryId} was received before: nothing deployed again`, []);
    const results = apps.map((app) => {
      if (delivery.event.kind === 'pull_request') return { applicationId: app.applicationId, ...previewFor(app, delivery.event) };
      const decision = decide(app, delivery);
      if (!decision.deploy) return { applicationId: app.applicationId, reason: decision.reason };
      const { title, description, commit } = decision;
      const d = deploy.enqueueDeploy(app.applicationId, 'deploy', { title, description, ...(commit ? { commitHash: commit } : {}) });
      return { applicationId: app.applicationId, deploymentId: d.deploymentId };
    });
    if (delivery.deliveryId) store.webhooks.record(delivery.provider, delivery.deliveryId, target);
    const queued = results.filter((r) => r.deploymentId).length;
    const message = queued ? `Deployment queued for ${queued} application${queued > 1 ? 's' : ''}` : (results[0]?.reason ?? 'No application deploys on this event');
    return answer(message, results);
  }

  return {
    /** `POST /api/deploy/<refreshToken>`: the token in the path is the credential. */
    forToken(token: string, headers: Headers, raw: Buffer, contentType: string | undefined): WebhookAnswer {
      const applicationId = store.webhooks.applicationIdByToken(token);
      if (!applicationId) throw new BerthError('NOT_FOUND', 'No application has this webhook token (it may have been rotated with application.refreshToken)');
      const body = parseBody(raw, contentType);
      const app = store.applications.get(applicationId);
      const providerSecret = app.sourceType === 'github' && app.githubId ? store.gitProviders.get('github', app.githubId).githubWebhookSecret : null;
      authenticate(headers, body, raw, app.webhookSecret || providerSecret, `Application ${app.name}`);
      return act(parseDelivery(headers, body), applicationId, [app]);
    },

    /** `POST /api/deploy/github`: a GitHub App's deliveries, for every application of the installation's provider. */
    forGithubApp(headers: Headers, raw: Buffer, contentType: string | undefined): WebhookAnswer {
      const body = parseBody(raw, contentType) as any;
      const installation = body?.installation?.id;
      if (installation === undefined) throw new BerthError('BAD_REQUEST', 'A GitHub App delivery carries installation.id');
      const provider = store.gitProviders.list('github').find((p) => p.githubInstallationId === String(installation));
      if (!provider) throw new BerthError('NOT_FOUND', `No GitHub provider has installation ${installation}`);
      if (!provider.githubWebhookSecret) throw new BerthError('UNAUTHORIZED', `GitHub provider ${provider.gitProvider.name} has no webhook secret: set githubWebhookSecret to receive its deliveries`);
      authenticate(headers, body, raw, provider.githubWebhookSecret, `GitHub provider ${provider.gitProvider.name}`);
      const apps = store.applications.withGithubProvider(provider.githubId);
      return act(parseDelivery(headers, body), `github:${provider.githubId}`, apps);
    },
  };
}

export type WebhookReceiver = ReturnType<typeof createWebhookReceiver>;
