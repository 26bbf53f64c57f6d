CREATE TABLE `apikey` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`start` text,
	`prefix` text,
	`keyHash` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`expiresAt` text,
	`createdAt` text NOT NULL,
	`updatedAt` text NOT NULL,
	`lastRequest` text,
	`metadata` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `apikey_keyHash_unique` ON `apikey` (`keyHash`);--> statement-breakpoint
CREATE TABLE `application` (
	`applicationId` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`appName` text NOT NULL,
	`description` text,
	`applicationStatus` text DEFAULT 'idle' NOT NULL,
	`createdAt` text NOT NULL,
	`environmentId` text NOT NULL,
	`serverId` text,
	`buildServerId` text,
	`refreshToken` text,
	`autoDeploy` integer DEFAULT true,
	`icon` text,
	`title` text,
	`subtitle` text,
	`enabled` integer,
	`sourceType` text DEFAULT 'github' NOT NULL,
	`watchPaths` text,
	`enableSubmodules` integer DEFAULT false NOT NULL,
	`githubId` text,
	`owner` text,
	`repository` text,
	`branch` text,
	`buildPath` text DEFAULT '/',
	`triggerType` text DEFAULT 'push',
	`gitlabId` text,
	`gitlabProjectId` integer,
	`gitlabOwner` text,
	`gitlabRepository` text,
	`gitlabPathNamespace` text,
	`gitlabBranch` text,
	`gitlabBuildPath` text DEFAULT '/',
	`bitbucketId` text,
	`bitbucketOwner` text,
	`bitbucketRepository` text,
	`bitbucketRepositorySlug` text,
	`bitbucketBranch` text,
	`bitbucketBuildPath` text DEFAULT '/',
	`giteaId` text,
	`giteaOwner` text,
	`giteaRepository` text,
	`giteaBranch` text,
	`giteaBuildPath` text DEFAULT '/',
	`customGitUrl` text,
	`customGitBranch` text,
	`customGitBuildPath` text,
	`customGitSSHKeyId` text,
	`dockerImage` text,
	`username` text,
	`password` text,
	`registryUrl` text,
	`dropBuildPath` text,
	`buildType` text DEFAULT 'nixpacks' NOT NULL,
	`dockerfile` text DEFAULT 'Dockerfile',
	`dockerContextPath` text,
	`dockerBuildStage` text,
	`publishDirectory` text,
	`isStaticSpa` integer,
	`herokuVersion` text DEFAULT '24',
	`railpackVersion` text DEFAULT '0.15.4',
	`cleanCache` integer DEFAULT false,
	`createEnvFile` integer DEFAULT true NOT NULL,
	`command` text,
	`args` text,
	`registryId` text,
	`buildRegistryId` text,
	`rollbackRegistryId` text,
	`env` text,
	`buildArgs` text,
	`buildSecrets` text,
	`memoryLimit` text,
	`memoryReservation` text,
	`cpuLimit` text,
	`cpuReservation` text,
	`replicas` integer DEFAULT 1 NOT NULL,
	`healthCheckSwarm` text,
	`restartPolicySwarm` text,
	`placementSwarm` text,
	`updateConfigSwarm` text,
	`rollbackConfigSwarm` text,
	`modeSwarm` text,
	`labelsSwarm` text,
	`networkSwarm` text,
	`stopGracePeriodSwarm` integer,
	`endpointSpecSwarm` text,
	`ulimitsSwarm` text,
	`networkIds` text DEFAULT '[]',
	`detachDokployNetwork` integer DEFAULT false NOT NULL,
	`isPreviewDeploymentsActive` integer DEFAULT false,
	`previewWildcard` text,
	`previewPort` integer DEFAULT 3000,
	`previewPath` text DEFAULT '/',
	`previewHttps` integer DEFAULT false NOT NULL,
	`previewCertificateType` text DEFAULT 'none' NOT NULL,
	`previewCustomCertResolver` text,
	`previewLimit` integer DEFAULT 3,
	`previewLabels` text,
	`previewRequireCollaboratorPermissions` integer DEFAULT true,
	`previewEnv` text,
	`previewBuildArgs` text,
	`previewBuildSecrets` text,
	`rollbackActive` integer DEFAULT false,
	FOREIGN KEY (`environmentId`) REFERENCES `environment`(`environmentId`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`githubId`) REFERENCES `github`(`githubId`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`gitlabId`) REFERENCES `gitlab`(`gitlabId`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`bitbucketId`) REFERENCES `bitbucket`(`bitbucketId`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`giteaId`) REFERENCES `gitea`(`giteaId`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`customGitSSHKeyId`) REFERENCES `ssh-key`(`sshKeyId`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`registryId`) REFERENCES `registry`(`registryId`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`buildRegistryId`) REFERENCES `registry`(`registryId`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`rollbackRegistryId`) REFERENCES `registry`(`registryId`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `application_appName_unique` ON `application` (`appName`);--> statement-breakpoint
CREATE INDEX `application_environmentId_idx` ON `application` (`environmentId`);--> statement-breakpoint
CREATE INDEX `application_createdAt_idx` ON `application` (`createdAt`);--> statement-breakpoint
CREATE UNIQUE INDEX `application_refreshToken_unique` ON `application` (`refreshToken`);--> statement-breakpoint
CREATE TABLE `bitbucket` (
	`bitbucketId` text PRIMARY KEY NOT NULL,
	`bitbucketUsername` text,
	`bitbucketEmail` text,
	`appPassword` text,
	`apiToken` text,
	`bitbucketWorkspaceName` text,
	`gitProviderId` text NOT NULL,
	FOREIGN KEY (`gitProviderId`) REFERENCES `git_provider`(`gitProviderId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bitbucket_gitProviderId_unique` ON `bitbucket` (`gitProviderId`);--> statement-breakpoint
CREATE TABLE `deployment` (
	`deploymentId` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`status` text DEFAULT 'running' NOT NULL,
	`logPath` text NOT NULL,
	`pid` text,
	`errorMessage` text,
	`isPreviewDeployment` integer DEFAULT false NOT NULL,
	`applicationId` text,
	`previewDeploymentId` text,
	`composeId` text,
	`serverId` text,
	`scheduleId` text,
	`backupId` text,
	`volumeBackupId` text,
	`rollbackId` text,
	`buildServerId` text,
	`createdAt` text NOT NULL,
	`startedAt` text,
	`finishedAt` text,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`previewDeploymentId`) REFERENCES `preview_deployments`(`previewDeploymentId`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`rollbackId`) REFERENCES `rollback`(`rollbackId`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `deployment_applicationId_createdAt_idx` ON `deployment` (`applicationId`,`createdAt`);--> statement-breakpoint
CREATE INDEX `deployment_previewDeploymentId_createdAt_idx` ON `deployment` (`previewDeploymentId`,`createdAt`);--> statement-breakpoint
CREATE INDEX `deployment_rollbackId_idx` ON `deployment` (`rollbackId`);--> statement-breakpoint
CREATE TABLE `domain` (
	`domainId` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`https` integer DEFAULT false NOT NULL,
	`port` integer DEFAULT 3000,
	`path` text DEFAULT '/',
	`internalPath` text DEFAULT '/',
	`stripPath` integer DEFAULT false NOT NULL,
	`customEntrypoint` text,
	`certificateType` text DEFAULT 'none' NOT NULL,
	`customCertResolver` text,
	`middlewares` text DEFAULT '[]',
	`forwardAuthEnabled` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`serviceName` text,
	`domainType` text DEFAULT 'application',
	`uniqueConfigKey` integer NOT NULL,
	`applicationId` text,
	`composeId` text,
	`previewDeploymentId` text,
	`createdAt` text NOT NULL,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`previewDeploymentId`) REFERENCES `preview_deployments`(`previewDeploymentId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `domain_uniqueConfigKey_unique` ON `domain` (`uniqueConfigKey`);--> statement-breakpoint
CREATE INDEX `domain_applicationId_idx` ON `domain` (`applicationId`);--> statement-breakpoint
CREATE INDEX `domain_previewDeploymentId_idx` ON `domain` (`previewDeploymentId`);--> statement-breakpoint
CREATE TABLE `environment` (
	`environmentId` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`createdAt` text NOT NULL,
	`env` text DEFAULT '' NOT NULL,
	`projectId` text NOT NULL,
	`isDefault` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`projectId`) REFERENCES `project`(`projectId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `environment_projectId_idx` ON `environment` (`projectId`);--> statement-breakpoint
CREATE UNIQUE INDEX `environment_default_per_project_unique` ON `environment` (`projectId`) WHERE "environment"."isDefault" = 1;--> statement-breakpoint
CREATE TABLE `git_provider` (
	`gitProviderId` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`providerType` text DEFAULT 'github' NOT NULL,
	`createdAt` text NOT NULL,
	`organizationId` text NOT NULL,
	`userId` text NOT NULL,
	`sharedWithOrganization` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE `gitea` (
	`giteaId` text PRIMARY KEY NOT NULL,
	`giteaUrl` text DEFAULT 'https://gitea.com' NOT NULL,
	`giteaInternalUrl` text,
	`redirectUri` text,
	`clientId` text,
	`clientSecret` text,
	`accessToken` text,
	`refreshToken` text,
	`expiresAt` integer,
	`scopes` text DEFAULT 'repo,repo:status,read:user,read:org',
	`lastAuthenticatedAt` integer,
	`gitProviderId` text NOT NULL,
	FOREIGN KEY (`gitProviderId`) REFERENCES `git_provider`(`gitProviderId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gitea_gitProviderId_unique` ON `gitea` (`gitProviderId`);--> statement-breakpoint
CREATE TABLE `github` (
	`githubId` text PRIMARY KEY NOT NULL,
	`githubAppName` text,
	`githubAppId` integer,
	`githubClientId` text,
	`githubClientSecret` text,
	`githubInstallationId` text,
	`githubPrivateKey` text,
	`githubWebhookSecret` text,
	`githubUrl` text DEFAULT 'https://github.com' NOT NULL,
	`gitProviderId` text NOT NULL,
	FOREIGN KEY (`gitProviderId`) REFERENCES `git_provider`(`gitProviderId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `github_gitProviderId_unique` ON `github` (`gitProviderId`);--> statement-breakpoint
CREATE TABLE `gitlab` (
	`gitlabId` text PRIMARY KEY NOT NULL,
	`gitlabUrl` text DEFAULT 'https://gitlab.com' NOT NULL,
	`gitlabInternalUrl` text,
	`applicationId` text,
	`redirectUri` text,
	`secret` text,
	`accessToken` text,
	`refreshToken` text,
	`groupName` text,
	`expiresAt` integer,
	`gitProviderId` text NOT NULL,
	FOREIGN KEY (`gitProviderId`) REFERENCES `git_provider`(`gitProviderId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gitlab_gitProviderId_unique` ON `gitlab` (`gitProviderId`);--> statement-breakpoint
CREATE TABLE `mount` (
	`mountId` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`hostPath` text,
	`volumeName` text,
	`filePath` text,
	`content` text,
	`mountPath` text NOT NULL,
	`serviceType` text DEFAULT 'application' NOT NULL,
	`applicationId` text,
	`composeId` text,
	`libsqlId` text,
	`mariadbId` text,
	`mongoId` text,
	`mysqlId` text,
	`postgresId` text,
	`redisId` text,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mount_applicationId_idx` ON `mount` (`applicationId`);--> statement-breakpoint
CREATE TABLE `port` (
	`portId` text PRIMARY KEY NOT NULL,
	`publishedPort` integer NOT NULL,
	`targetPort` integer NOT NULL,
	`protocol` text DEFAULT 'tcp' NOT NULL,
	`publishMode` text DEFAULT 'host' NOT NULL,
	`applicationId` text NOT NULL,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `port_applicationId_idx` ON `port` (`applicationId`);--> statement-breakpoint
CREATE TABLE `preview_deployments` (
	`previewDeploymentId` text PRIMARY KEY NOT NULL,
	`branch` text NOT NULL,
	`pullRequestId` text NOT NULL,
	`pullRequestNumber` text NOT NULL,
	`pullRequestURL` text NOT NULL,
	`pullRequestTitle` text NOT NULL,
	`pullRequestCommentId` text NOT NULL,
	`previewStatus` text DEFAULT 'idle' NOT NULL,
	`appName` text NOT NULL,
	`applicationId` text NOT NULL,
	`domainId` text,
	`createdAt` text NOT NULL,
	`expiresAt` text,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`domainId`) REFERENCES `domain`(`domainId`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `preview_deployments_appName_unique` ON `preview_deployments` (`appName`);--> statement-breakpoint
CREATE INDEX `preview_deployments_applicationId_idx` ON `preview_deployments` (`applicationId`);--> statement-breakpoint
CREATE TABLE `project` (
	`projectId` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`createdAt` text NOT NULL,
	`organizationId` text NOT NULL,
	`env` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `redirect` (
	`redirectId` text PRIMARY KEY NOT NULL,
	`regex` text NOT NULL,
	`replacement` text NOT NULL,
	`permanent` integer DEFAULT false NOT NULL,
	`uniqueConfigKey` integer NOT NULL,
	`createdAt` text NOT NULL,
	`applicationId` text NOT NULL,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `redirect_uniqueConfigKey_unique` ON `redirect` (`uniqueConfigKey`);--> statement-breakpoint
CREATE INDEX `redirect_applicationId_idx` ON `redirect` (`applicationId`);--> statement-breakpoint
CREATE TABLE `registry` (
	`registryId` text PRIMARY KEY NOT NULL,
	`registryName` text NOT NULL,
	`imagePrefix` text,
	`username` text NOT NULL,
	`password` text NOT NULL,
	`registryUrl` text DEFAULT '' NOT NULL,
	`createdAt` text NOT NULL,
	`registryType` text DEFAULT 'cloud' NOT NULL,
	`organizationId` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rollback` (
	`rollbackId` text PRIMARY KEY NOT NULL,
	`deploymentId` text NOT NULL,
	`version` integer NOT NULL,
	`image` text,
	`createdAt` text NOT NULL,
	`fullContext` text,
	FOREIGN KEY (`deploymentId`) REFERENCES `deployment`(`deploymentId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollback_version_unique` ON `rollback` (`version`);--> statement-breakpoint
CREATE INDEX `rollback_deploymentId_idx` ON `rollback` (`deploymentId`);--> statement-breakpoint
CREATE TABLE `security` (
	`securityId` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`password` text NOT NULL,
	`createdAt` text NOT NULL,
	`applicationId` text NOT NULL,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `security_applicationId_username_unique` ON `security` (`applicationId`,`username`);--> statement-breakpoint
CREATE TABLE `setting` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ssh-key` (
	`sshKeyId` text PRIMARY KEY NOT NULL,
	`privateKey` text DEFAULT '' NOT NULL,
	`publicKey` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`createdAt` text NOT NULL,
	`lastUsedAt` text,
	`organizationId` text NOT NULL
);
